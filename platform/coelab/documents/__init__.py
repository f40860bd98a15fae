"""Real-time co-edited documents: Yjs state held with pycrdt, stored as an append-only log.

- :mod:`.models`: documents, their update log, versions;
- :mod:`.store`: the only code that writes them (append, catch up, compact, versions);
- :mod:`.rooms`: the in-memory copy of each open document (a cache of the database);
- :mod:`.awareness`: presence messages of the Yjs awareness protocol;
- :mod:`.sockets`: the y-socket.io wire protocol over Flask-SocketIO;
- :mod:`.render`: Markdown to sanitised HTML;
- :mod:`.views`: the editor page, preview, versions, diff, socket tokens.
"""
