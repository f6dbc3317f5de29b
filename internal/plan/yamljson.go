package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// toJSON writes the value of n as JSON: the one form the plan is decoded
// from and validated against its schema. Mappings merge their "<<"
// mappings (their own keys win); numbers keep their value.
func toJSON(n *node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *node) error {
	switch n.kind {
	case mappingNode:
		b.WriteByte('{')
		for i, k := range n.keys() {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			if err := writeJSON(b, n.get(k)); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case sequenceNode:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, it); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		switch {
		case n.str && n.tag != "!!null":
			sb, _ := json.Marshal(n.value)
			b.Write(sb)
			return nil
		}
		switch n.tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			b.WriteString(strconv.FormatBool(n.boolean))
		case "!!int":
			b.WriteString(fmt.Sprint(n.num))
		case "!!float":
			f, _ := n.num.(float64)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("line %d: %s is not a finite number", n.line, n.value)
			}
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		default:
			sb, _ := json.Marshal(n.value)
			b.Write(sb)
		}
	}
	return nil
}
