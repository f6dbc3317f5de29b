package plan

// LoadFile reads a plan file (YAML, or JSON, which is YAML), strictly, and
// returns it normalized and validated. It is ParseFile: an unknown key, a
// wrong type or an invalid value is a *FileError naming file:line:column.
func LoadFile(path string) (*Plan, error) { return ParseFile(path) }

// Decode decodes, normalizes and validates a plan document. It is
// Parse with the name "plan".
func Decode(data []byte) (*Plan, error) { return Parse("plan", data) }
