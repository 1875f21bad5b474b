"""Session screens, one module per part: the floor and check-in (`floor`), the session page
(`page`), the steps taken on it (`steps`) and the REMS form (`rems`). Thin: parse, authorize,
call one service, render (a partial when the request comes from HTMX)."""
