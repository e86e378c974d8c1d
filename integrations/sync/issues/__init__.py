"""Issues (models/issues.py): opened and updated where problems happen, resolved when their
cause is gone, read by the pages, the admin and the emails.

- `report`: open or update one issue per cause, once per pass (never per record), resolve;
- `refresh`: the periodic recount and the resolutions no event tells (a mapping decided);
- `words`: what an issue says and the action that fixes it, rendered at read time;
- `selectors`: what the pages and the admin read;
- `notify`: the emails (opened, still going after an hour, the daily digest).
"""
