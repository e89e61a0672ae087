"""The WeChat Official Account (公众号) channel: WeChat pushes each message the user
sends to POST /wechat and takes the HTTP response as the reply.

- crypto.py: the signatures and safe mode's AES envelope;
- messages.py: the pushed XML in (defusedxml) and the reply XML out;
- menu.py: the account menu's EventKeys and the requests they stand for;
- replies.py: what to answer each kind of push (a turn of the one pipeline, or a fixed text);
- once.py: each push answered once, within WeChat's 5 seconds or later through the outbox;
- endpoint.py: the HTTP routes;
- sender.py: the customer-service API the outbox uses for late replies and agents' messages.
Protocol facts: ../shared/reference/channels-notes.md and the README's WeChat section.
"""
