// Package schema holds the plan's JSON Schema, plan.schema.json, for the
// programs that validate plans with it at run time (see plan.Schema,
// which adds the settings of every linked store and routing target kind).
package schema

import _ "embed"

// Plan is the content of plan.schema.json.
//
//go:embed plan.schema.json
var Plan []byte
