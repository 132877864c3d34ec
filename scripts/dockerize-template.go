// dockerize-template TEMPLATE OUTPUT: renders the temporalio/server image's config template
// (go.temporal.io/server's docker/config_template.yaml) with the environment as .Env, as the image's entrypoint
// does with `dockerize -template` (github.com/jwilder/dockerize v0.9.2, whose module the Go proxy here does not
// serve). The same text/template engine, and dockerize's versions of the functions that template calls: `default`
// keeps its first argument unless the variable is unset (a variable set to "" stays ""), `lower`, `split`, `trim`.
// Standard library only, so `go build` needs no module; scripts/ensure-temporal-server.sh builds it.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/template"
)

func defaultValue(args ...interface{}) (string, error) {
	if len(args) == 0 {
		return "", errors.New("default called with no values")
	}
	if args[0] != nil {
		s, ok := args[0].(string)
		if !ok {
			return "", fmt.Errorf("default: %v is not a string", args[0])
		}
		return s, nil
	}
	if len(args) < 2 {
		return "", errors.New("default called with no default value")
	}
	s, ok := args[1].(string)
	if !ok {
		return "", errors.New("default is not a string value; surround it with double quotes")
	}
	return s, nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dockerize-template TEMPLATE OUTPUT")
		os.Exit(2)
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	funcs := template.FuncMap{"default": defaultValue, "lower": strings.ToLower, "split": strings.Split, "trim": strings.TrimSpace}
	tpl, err := template.New(os.Args[1]).Funcs(funcs).Parse(string(text))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := tpl.Execute(out, struct{ Env map[string]string }{env}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := out.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
