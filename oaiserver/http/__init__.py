"""Everything Flask: the application factory and the HTTP face of oaiserver.

``app``        ``create_app()``: blueprints, error handlers, the services
``current``    ``current_services()``: the one accessor views use
``problems``   RFC 9457 problem responses and the one error-to-HTTP table
``auth``       bearer tokens for writes
``clients``    who the client is (the peer, or what trusted proxies forwarded for)
``ratelimit``  Flask-Limiter budgets for guests, token holders and harvesters
``security``   security headers (CSP, nosniff, frames, referrer) and CORS for reads
``usage``      usage statistics on the request path: what counts, a record's figures
``api/``       the REST API: records, sets, search, DOIs, stats and reports
``pages/``     record pages: content negotiation, landing page, Signposting

The OAI-PMH endpoint's Flask view is ``oaiserver.oai.views``.
"""
