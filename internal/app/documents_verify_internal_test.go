package app

// Tiny pages make every test of "ortlos documents verify" read the
// references in several pages, with digests whose records span a page
// boundary.
func init() { refPageSize = 3 }
