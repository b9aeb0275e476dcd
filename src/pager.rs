//! Offset paging (SPEC §3.2).
