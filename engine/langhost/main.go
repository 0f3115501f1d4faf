// pulumi-language-nodejs for the engine that `npm run engine` builds.
//
// Upstream's Node.js language host is a Go module of its own that this machine's module proxy does
// not serve, so the engine here gets this one: the same plugin protocol (the engine starts it with
// its address as the last argument and reads the port from stdout), and a Run that starts the
// program the way upstream does, through the SDK's own runner (`@pulumi/pulumi/cmd/run`) with the
// same flags and environment. Everything the program does then goes through the real engine.
// What it leaves out: debugging attach, bun, `pulumi new`/convert/pack (no templates, codegen).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Version is stamped at link time to the engine's version.
var Version = "3.248.0"

// The SDK's runner exits with 32 after it has shown the user an actionable message itself.
const exitBail = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string

	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

func main() {
	args := os.Args[1:]
	var engineAddress string
	// Flags upstream accepts (-tracing, -root, …) may precede the engine address: the address is last.
	if len(args) > 0 {
		engineAddress = args[len(args)-1]
	}
	h := &host{engineAddress: engineAddress, running: map[*exec.Cmd]struct{}{}}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

// packageJSON is the part of a package.json that marks a Pulumi resource plugin.
type packageJSON struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	Pulumi  json.RawMessage `json:"pulumi"`
}

type pulumiField struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// GetRequiredPackages lists the resource plugins the program's node_modules ask for, so the engine
// loads (and, offline, insists on having installed) exactly those versions.
func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	seen := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		if depth > 8 || seen[dir] {
			return
		}
		seen[dir] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !e.IsDir() && e.Type()&os.ModeSymlink == 0 {
				continue
			}
			sub := filepath.Join(dir, e.Name())
			if strings.HasPrefix(e.Name(), "@") {
				walk(sub, depth) // a scope: its children are packages
				continue
			}
			if dep := pluginOf(sub); dep != nil {
				key := dep.Name + "@" + dep.Version
				if !seen[key] {
					seen[key] = true
					out = append(out, dep)
				}
			}
			walk(filepath.Join(sub, "node_modules"), depth+1)
		}
	}
	walk(filepath.Join(req.GetInfo().GetProgramDirectory(), "node_modules"), 0)
	return &pulumirpc.GetRequiredPackagesResponse{Packages: out}, nil
}

func pluginOf(dir string) *pulumirpc.PackageDependency {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil
	}
	var pkg packageJSON
	if json.Unmarshal(data, &pkg) != nil || len(pkg.Pulumi) == 0 {
		return nil
	}
	var p pulumiField
	if json.Unmarshal(pkg.Pulumi, &p) != nil || !p.Resource {
		return nil
	}
	name := p.Name
	if name == "" {
		name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@pulumiverse/")
	}
	version := p.Version
	if version == "" {
		version = pkg.Version
	}
	return &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(version, "v"), Server: p.Server}
}

// locate finds a module as the program itself would require it (its own node_modules).
func locate(ctx context.Context, module, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "-e", "console.log(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find %s from %s: is @pulumi/pulumi installed (npm ci)? %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	runPath, err := locate(ctx, "@pulumi/pulumi/cmd/run", dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{runPath}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", h.engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", info.GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	if opts := info.GetOptions().AsMap(); opts["typescript"] != false {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts := info.GetOptions().AsMap(); opts["tsconfig"] != nil {
		env = append(env, fmt.Sprintf("PULUMI_NODEJS_TSCONFIG_PATH=%v", opts["tsconfig"]))
	}

	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program with node: %v", err)}, nil
	}
	h.mu.Lock()
	h.running[cmd] = struct{}{}
	h.mu.Unlock()
	// The engine cancelling the request (Ctrl-C, a cancelled update) interrupts the program.
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(syscall.SIGINT) })
	err = cmd.Wait()
	stop()
	h.mu.Lock()
	delete(h.running, cmd)
	h.mu.Unlock()

	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == exitBail:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exit):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the program: %v", err)}, nil
	}
}

func (h *host) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		_ = cmd.Process.Signal(syscall.SIGINT)
	}
	return &pbempty.Empty{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		return nil, err
	}
	node, _ := exec.LookPath("node")
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) InstallDependencies(_ *pulumirpc.InstallDependenciesRequest, _ pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	// Dependencies are the project's own (npm ci); nothing to install at deploy time.
	return nil
}
