//! The API as the vendor documents and publishes it (API.md §3, §5): its published
//! `get.sales_funnel` response replayed through every output format, and the hints of SPEC §8 for
//! the answers a real account gives.
