//! Shared by the livechat test binaries: a loopback Rocket.Chat stand-in.

#![allow(dead_code)]

pub mod rocketchat;
