"""Publishing the records to crawlers and aggregators that do not speak OAI-PMH.

``sitemaps``      the sitemaps.org protocol: a sitemap index over pages of
                  landing-page URLs, and ``robots.txt`` pointing to it
``resourcesync``  ANSI/NISO Z39.99 ResourceSync: Source Description,
                  Capability List, Resource List and Change Lists of the
                  records' metadata exports
``ranges``        a page's keyset range, written into and read from its URL
``views``         the one Flask blueprint (the other modules know no Flask)

Which records are listed, and how they are cut into pages, is
``repository_core.syndication``.
"""
