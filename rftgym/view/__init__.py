"""``rftgym view``: a local web app to browse the trajectories of a run folder (or two side by side).

``make_server(run, vs=None, host="127.0.0.1", port=8765)`` indexes the folder(s) (``RunIndex``:
byte offsets, lazy episode reads, live refresh) and returns a ``ViewServer``; its front end is one
static file, ``static/index.html``, that works offline. See ``rftgym.view.server`` for the API.
"""

from rftgym.view.index import RunFolderError, RunIndex, check_run_folder
from rftgym.view.server import ViewServer, make_server

__all__ = ["RunFolderError", "RunIndex", "ViewServer", "check_run_folder", "make_server"]
