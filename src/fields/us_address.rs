//! Splitting a one-line US mailing address into its street lines, city, state and ZIP.
