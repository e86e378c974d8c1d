"""The records domain: prospects and members as the partner API, ingest and the feed see them.

- `shape`: the record's fields, read from the models, where each is declared once;
- `values`: checking and normalizing one value of a body;
- `normalize`: a whole body as a record (every bad field listed);
- `translate`: references in one integration's ids (links, staff, lead sources);
- `render`: stored records as the API answers with them.
"""
