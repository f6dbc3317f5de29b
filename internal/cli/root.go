package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// app is what every subcommand shares: the connection flags, the
// operator's identity and the output streams.
type app struct {
	conn   connFlags
	as     string
	out    io.Writer
	errOut io.Writer
	// ran is set once a subcommand's own code runs; an error before that
	// is cobra's (a flag or an argument) and exits with ExitUsage.
	ran bool
	// command is the name of the subcommand that runs.
	command string
	// output is -o/--output: text or json.
	output string
	// actions collects the Updates an operator command sent, for its -o
	// json document (written when the command ends, even after a later
	// refusal, so that what was applied is on record).
	actions *actionResult
}

// Run runs the starter with args (without the program name) and returns
// its exit code; stdout and stderr receive its output.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{out: stdout, errOut: stderr}
	cmd := a.rootCommand()
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if a.actions != nil && a.json() {
		if werr := writeJSON(stdout, a.actions); werr != nil && err == nil {
			err = werr
		}
	}
	if err == nil {
		return ExitOK
	}
	code := codeOf(err)
	if !a.ran {
		code = ExitUsage
	}
	if err != errSilent && err.Error() != "" {
		fmt.Fprintln(stderr, "starter:", err)
	}
	return code
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "starter",
		Short: "Plan, start, watch and steer ocimove migrations (S3 → OCI Object Storage on Temporal)",
		Long: `starter is the operator's command for ocimove migrations. It talks to
Temporal and needs no cloud credentials — the workers hold them — except
'report', which reads the migration's manifests with read-only access to the
manifest bucket.

Every command that prints state or results takes -o json: one JSON document
on stdout, in the shape docs/CLI.md gives; errors stay text on stderr, with
the same exit codes.

Shell completion: 'starter completion bash|zsh|fish|powershell' writes the
script; it completes commands, flags, and migration and shard ids (and
shard prefixes) from Temporal, with the same connection flags.

Exit codes: 0 done; 1 refused or failed (pre-flight problems, an action not
allowed in the shard's state); 2 bad input (flags, plan file, unknown
migration or shard); 3 Temporal cannot be reached.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.ran = true
			a.command = cmd.Name()
			if cmd.Flags().Lookup("output") != nil {
				return checkOutput(a.output)
			}
			return nil
		},
	}
	a.conn.register(root.PersistentFlags())
	root.AddCommand(a.planCommand(), a.startCommand(), a.statusCommand())
	root.AddCommand(a.operatorCommands()...)
	root.AddCommand(a.cancelCommand(), a.tuneCommand(), a.reportCommand(), a.verifyEvidenceCommand())
	for _, c := range root.Commands() {
		if c.Name() == "tune" && c.Flags().Lookup("output") == nil {
			a.outputFlag(c) // tune's Updates go through operate, which records them
		}
	}
	a.registerCompletions(root)
	return root
}

// exactArgs is cobra.ExactArgs with a message naming the arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErrorf("%s takes %d argument(s): %v (got %d); see %s --help", cmd.Name(), len(names), names, len(args), cmd.CommandPath())
		}
		for i, v := range args {
			if v == "" {
				return usageErrorf("%s: %s is empty", cmd.Name(), names[i])
			}
		}
		return nil
	}
}

// actor is who acts: --as, else the OS user.
func (a *app) actor() (string, error) {
	if a.as != "" {
		return a.as, nil
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	if v := os.Getenv("USER"); v != "" {
		return v, nil
	}
	return "", usageErrorf("cannot tell who you are from the OS; say it with --as NAME")
}

// identity is the Temporal client identity, recorded in history.
func (a *app) identity() string {
	who, err := a.actor()
	if err != nil {
		who = "unknown"
	}
	host, _ := os.Hostname()
	return "ocimove-starter/" + who + "@" + host
}

// dial connects to Temporal (see connFlags.dial).
func (a *app) dial(ctx context.Context) (client.Client, error) {
	return a.conn.dial(ctx, a.identity(), a.errOut)
}

// where names the Temporal connection for messages.
func (a *app) where() string {
	c, err := a.conn.conn()
	if err != nil {
		return "Temporal"
	}
	return c.String()
}

// namespace is the connection's namespace.
func (a *app) namespace() string {
	c, err := a.conn.conn()
	if err != nil {
		return DefaultNamespace
	}
	return c.Namespace
}

// dataConverter decodes payloads read from history: the connection's,
// with the payload codec when one is configured.
func (a *app) dataConverter() converter.DataConverter {
	if c, err := a.conn.conn(); err == nil && c.Options.DataConverter != nil {
		return c.Options.DataConverter
	}
	return converter.GetDefaultDataConverter()
}

// connIdentity is who the Temporal connection's credentials say the
// operator is (client certificate subject, API key id), for audit records.
func (a *app) connIdentity() string {
	c, err := a.conn.conn()
	if err != nil {
		return ""
	}
	return c.Identity
}

var errNoReason = errors.New("--reason is required: say why (it is recorded with your name in the migration's history)")
