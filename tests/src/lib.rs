//! Integration and ui tests of redengine live in this package.
