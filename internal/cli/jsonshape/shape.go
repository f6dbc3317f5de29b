// Package jsonshape describes the shape of a JSON document, field names
// and JSON types without values, so that the starter's -o json outputs
// can be kept stable: a shape is derived from the Go type a command
// encodes (Of), written as text one path per line (String), read back
// (Parse), and a document is checked against it (Check).
//
// The text form, one line per path, in the order encoding/json writes
// the fields:
//
//	migrationId string
//	preflight? object
//	preflight.shards array
//	preflight.shards[] object
//	preflight.shards[].objects integer
//	byState map
//	byState{} integer
//	request? object|null
//
// "?" marks a field that may be absent (omitempty, omitzero); "|null" a
// value that may be null (a pointer). Arrays and maps may always be null
// (a nil slice or map). Types: string, integer, number, boolean, time (a
// string in RFC 3339), any, object, array (elements at "[]"), map (values
// at "{}", keys are strings).
package jsonshape
