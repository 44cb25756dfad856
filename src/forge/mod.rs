//! Code hosts. Everything here uses the network, so nothing here runs on the local,
//! hook-time paths: the commands that need a forge build its client themselves.

pub mod github;
