//! The titles and body names of the U.S. Congress and of every state legislature's chambers.
