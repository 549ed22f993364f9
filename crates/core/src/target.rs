//! Resolving what to review: a local git range (base..head), its commits, changed files
//! with stats, and unified diff. Talks to the real `git`.
