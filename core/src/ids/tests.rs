//! Tests of the EVE reader.
