"""Next month's kWh and bill per account, with an 80% prediction interval.

``model``: the kWh forecast from a monthly series (statsmodels; a simpler rule for short
histories) · ``pricing``: that kWh billed by the tariff engine · ``tips``: a saving tip's
data from the account's own readings · ``cache``: forecasts kept in process per account
and month · ``service``: the database side, what the route returns · ``schemas``: that
answer as a typed model, for the route and the action server · ``api``: the route
· ``backtest``: the rolling-origin evaluation behind ``make eval-forecast``.
"""
