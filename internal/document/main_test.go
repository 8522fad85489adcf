package document_test

import (
	"testing"

	"ortlos/internal/db/dbtest"
)

// TestMain is the package's one TestMain: it starts the throwaway
// PostgreSQL server the tests of every part use.
func TestMain(m *testing.M) { dbtest.Main(m) }
