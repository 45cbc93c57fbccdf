// Command cmpbench runs CMP's benchmarks (`make bench`): each measures a figure
// and a floor in the same run and prints the ratio. Usage: cmpbench [name...]
// with no names running all of them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"time"
)

// bench is one benchmark: it prints its own report.
type bench func(ctx context.Context) error

var benches = map[string]bench{}

// register adds a benchmark; each lives in its own file and registers in init.
func register(name string, b bench) { benches[name] = b }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	names := os.Args[1:]
	if len(names) == 0 {
		for n := range benches {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	for _, n := range names {
		b, ok := benches[n]
		if !ok {
			fmt.Fprintf(os.Stderr, "cmpbench: unknown benchmark %q\n", n)
			os.Exit(2)
		}
		fmt.Printf("== %s (%s)\n", n, time.Now().UTC().Format(time.RFC3339))
		if err := b(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "cmpbench %s: %v\n", n, err)
			os.Exit(1)
		}
	}
}
