//! The work directory of one review (SPEC section 3) and the read-only checkout of the
//! head revision reviewers work in.
