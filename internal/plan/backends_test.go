package plan_test

// The plan's tests parse plans of every kind the programs link.
import _ "github.com/ocimove/ocimove/internal/backends"
