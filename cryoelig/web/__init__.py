"""The browser pages of ``cryoelig serve``: the checklist and the explorer (see ``routes``)."""
