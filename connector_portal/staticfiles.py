"""The static files storage: hashed and compressed once `collectstatic` has run, plain before."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """After `collectstatic`, file names carry their hash (browsers cache them for a year) and
    gzip / brotli copies sit beside them. Without a manifest yet (a fresh checkout, a deploy
    that skipped the step, the tests) pages link the files' plain names, which whitenoise
    serves from the apps' folders: slower for browsers, never a broken page."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
