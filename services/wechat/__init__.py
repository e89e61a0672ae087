"""WeChat Official Account bookkeeping: each message WeChat pushes, processed once.

WeChat retries a push it got no answer to (three retries in all); the table here
records each message by its key with the outcome, so a retry (in any gateway
process) gets that outcome instead of a second turn, and remembers when each user
last wrote (the 48-hour window of the customer-service API)."""
