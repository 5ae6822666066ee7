// Command compose-check loads a compose file with compose-go, the loader `docker compose` (v2) itself
// uses, so the file is validated against the Compose Specification without a Docker engine or the v2 CLI.
//
//	go run ./deploy/compose-check docker-compose.yml [profile…]
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check COMPOSE_FILE [PROFILE...]")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithOsEnv,
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithName("edurecords"),
		cli.WithProfiles(os.Args[2:]),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Printf("compose-go: %s is valid; services: %v\n", file, names)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-go:", err)
	os.Exit(1)
}
