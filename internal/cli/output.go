package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Output formats of -o/--output.
const (
	outputText = "text"
	outputJSON = "json"
)

// outputFlag gives cmd the -o/--output flag. Every command that prints
// state or results has it; with json the command writes one JSON
// document to stdout (its shape is in docs/CLI.md) and its errors, as
// text, to stderr, with the same exit codes.
func (a *app) outputFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&a.output, "output", "o", outputText, "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputText, outputJSON}, cobra.ShellCompDirectiveNoFileComp))
}

// json reports whether the command writes JSON.
func (a *app) json() bool { return a.output == outputJSON }

func checkOutput(o string) error {
	if o != outputText && o != outputJSON {
		return usageErrorf("--output %q: use text or json", o)
	}
	return nil
}

// writeJSON writes v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// emit writes v as JSON with -o json, or calls text otherwise.
func (a *app) emit(v any, text func(w io.Writer)) error {
	if a.json() {
		return writeJSON(a.out, v)
	}
	text(a.out)
	return nil
}

// say writes a progress line in text mode only: with -o json stdout
// holds the document alone.
func (a *app) say(format string, args ...any) {
	if !a.json() {
		fmt.Fprintf(a.out, format, args...)
	}
}
