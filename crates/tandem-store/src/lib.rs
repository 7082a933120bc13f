//! Persistence: the local workspace database.
