"""The pure matching cores: rows in, decisions out, no ORM (product.md §3, §3a, §4).

- `names`: folding names, emails and phones into what is compared and looked up.
- `shared`: what every core shares: statuses, decisions, how two names relate, blocking keys
  and readable reasons.
- `staff`: remote staff against the client's staff directory (`staff_records`: records,
  keys and counts; `staff_evidence`: how alike two records are; `staff_roster`: what the
  whole rosters say, a partner's own domain and free mail services).
- `lead_sources`: a platform's lead sources against the client's list.
- `people`: incoming prospects / members against the people the client already has.
"""
