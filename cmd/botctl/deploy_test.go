package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/botctl/botctl/engine/server"
)

// serveArgs parses the arguments of `botctl serve` (after "serve") as the
// command does, so that a flag renamed in the code but not in a deployment
// example fails here rather than at someone's deploy.
type serveArgs struct {
	addrPort        int
	drain, shutdown time.Duration
	paths           []string
}

func parseServe(t *testing.T, where string, args []string) serveArgs {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("%s: the command is %q, not botctl serve", where, args)
	}
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	cmd := a.serveCommand()
	if err := cmd.ParseFlags(args[1:]); err != nil {
		t.Fatalf("%s: botctl serve %q: %v", where, args[1:], err)
	}
	f := cmd.Flags()
	var s serveArgs
	addr, _ := f.GetString("addr")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s: --addr %q: %v", where, addr, err)
	}
	if s.addrPort, err = strconv.Atoi(port); err != nil {
		t.Fatalf("%s: --addr %q: %v", where, addr, err)
	}
	if !strings.HasPrefix(addr, "0.0.0.0:") {
		t.Errorf("%s: --addr %s: a container must listen on every interface, 0.0.0.0", where, addr)
	}
	s.drain, _ = f.GetDuration("drain-timeout")
	s.shutdown, _ = f.GetDuration("shutdown-timeout")
	s.paths = f.Args()
	if len(s.paths) == 0 {
		t.Errorf("%s: botctl serve without a bot", where)
	}
	return s
}

// routes are the server's routes, "GET /healthz" and so on.
func routes(t *testing.T) []string {
	t.Helper()
	srv, err := server.New()
	if err != nil {
		t.Fatal(err)
	}
	return srv.Routes()
}

// decodeAll decodes every YAML document of the file at path.
func decodeAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(bufio.NewReader(f))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// convert re-decodes v (a decoded YAML document) into the typed out.
func convert(t *testing.T, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// The part of a Kubernetes Deployment the test checks.
type k8sProbe struct {
	HTTPGet struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet"`
	PeriodSeconds    int `json:"periodSeconds"`
	FailureThreshold int `json:"failureThreshold"`
}

type k8sDeployment struct {
	Spec struct {
		Replicas int `json:"replicas"`
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int `json:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot bool `json:"runAsNonRoot"`
					RunAsUser    int  `json:"runAsUser"`
				} `json:"securityContext"`
				Containers []struct {
					Name  string   `json:"name"`
					Args  []string `json:"args"`
					Ports []struct {
						Name          string `json:"name"`
						ContainerPort int    `json:"containerPort"`
					} `json:"ports"`
					Env []struct {
						Name string `json:"name"`
					} `json:"env"`
					LivenessProbe   *k8sProbe `json:"livenessProbe"`
					ReadinessProbe  *k8sProbe `json:"readinessProbe"`
					SecurityContext struct {
						ReadOnlyRootFilesystem   bool `json:"readOnlyRootFilesystem"`
						AllowPrivilegeEscalation bool `json:"allowPrivilegeEscalation"`
					} `json:"securityContext"`
					VolumeMounts []struct {
						Name string `json:"name"`
					} `json:"volumeMounts"`
				} `json:"containers"`
				Volumes []struct {
					Name string `json:"name"`
				} `json:"volumes"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type k8sService struct {
	Spec struct {
		Ports []struct {
			TargetPort any `json:"targetPort"`
		} `json:"ports"`
	} `json:"spec"`
}

// TestDeployExamples checks the deployment examples of docs/deploy against
// the code: every file parses, its botctl command line is one serve takes,
// the probes ask the routes that exist (liveness /healthz, readiness
// /readyz) on the port botctl listens on, the grace period outlasts the
// drain and the shutdown, and the container runs as non-root.
func TestDeployExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "deploy", "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML in docs/deploy: %v", err)
	}
	served := routes(t)
	var deployments, services, composes int
	for _, path := range files {
		name := filepath.Base(path)
		for i, doc := range decodeAll(t, path) {
			where := name + " #" + strconv.Itoa(i+1)
			switch {
			case doc["kind"] == "Deployment":
				deployments++
				checkDeployment(t, where, doc, served)
			case doc["kind"] == "Service":
				services++
				var svc k8sService
				convert(t, doc, &svc)
				for _, p := range svc.Spec.Ports {
					if p.TargetPort != "http" && p.TargetPort != 8080.0 {
						t.Errorf("%s: the Service targets port %v, not the container's http (8080)", where, p.TargetPort)
					}
				}
			case doc["services"] != nil:
				composes++
				checkCompose(t, where, doc)
			default:
				t.Errorf("%s: neither a Kubernetes Deployment or Service nor a compose file", where)
			}
		}
	}
	if deployments == 0 || services == 0 || composes == 0 {
		t.Errorf("docs/deploy has %d Deployments, %d Services and %d compose files; want each", deployments, services, composes)
	}
}

func checkDeployment(t *testing.T, where string, doc map[string]any, served []string) {
	var d k8sDeployment
	convert(t, doc, &d)
	spec := d.Spec.Template.Spec
	if d.Spec.Replicas < 2 {
		t.Errorf("%s: %d replicas, want at least 2", where, d.Spec.Replicas)
	}
	if !spec.SecurityContext.RunAsNonRoot || spec.SecurityContext.RunAsUser == 0 {
		t.Errorf("%s: the pod may run as root: %+v", where, spec.SecurityContext)
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", where, len(spec.Containers))
	}
	c := spec.Containers[0]
	s := parseServe(t, where, c.Args)
	ports := map[any]bool{}
	for _, p := range c.Ports {
		if p.ContainerPort == s.addrPort {
			ports[p.Name], ports[float64(p.ContainerPort)] = true, true
		}
	}
	if len(ports) == 0 {
		t.Errorf("%s: no container port is %d, the port of --addr", where, s.addrPort)
	}
	for _, probe := range []struct {
		what, path string
		p          *k8sProbe
	}{{"liveness", "/healthz", c.LivenessProbe}, {"readiness", "/readyz", c.ReadinessProbe}} {
		if probe.p == nil {
			t.Errorf("%s: no %s probe", where, probe.what)
			continue
		}
		if probe.p.HTTPGet.Path != probe.path || !slices.Contains(served, "GET "+probe.p.HTTPGet.Path) {
			t.Errorf("%s: the %s probe asks %q; want %s, a route of the server", where, probe.what, probe.p.HTTPGet.Path, probe.path)
		}
		if !ports[probe.p.HTTPGet.Port] {
			t.Errorf("%s: the %s probe asks port %v, not the one botctl listens on (%d)", where, probe.what, probe.p.HTTPGet.Port, s.addrPort)
		}
	}
	if r := c.ReadinessProbe; r != nil && time.Duration(r.PeriodSeconds*max(r.FailureThreshold, 1))*time.Second >= s.drain {
		t.Errorf("%s: the readiness probe needs %ds × %d to see a drain, longer than --drain-timeout %v", where, r.PeriodSeconds, r.FailureThreshold, s.drain)
	}
	if grace := time.Duration(spec.TerminationGracePeriodSeconds) * time.Second; grace <= s.drain+s.shutdown {
		t.Errorf("%s: terminationGracePeriodSeconds %v is not above --drain-timeout %v plus --shutdown-timeout %v", where, grace, s.drain, s.shutdown)
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem || c.SecurityContext.AllowPrivilegeEscalation {
		t.Errorf("%s: the container's file system is writable, or it may escalate: %+v", where, c.SecurityContext)
	}
	for _, m := range c.VolumeMounts {
		if !volumes[m.Name] {
			t.Errorf("%s: the volume mount %s has no volume", where, m.Name)
		}
	}
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	for _, name := range []string{"BOTCTL_API_KEY", "BOTCTL_TOKEN_SECRET", "BOTCTL_DATA_KEY"} {
		if !env[name] {
			t.Errorf("%s: %s is not set: replicas must share it", where, name)
		}
	}
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--store=$("); ok && !env[strings.TrimSuffix(v, ")")] {
			t.Errorf("%s: %s names a variable the container does not have", where, a)
		}
	}
}

// The part of a compose file the test checks.
type composeService struct {
	Image           string   `yaml:"image"`
	Command         []string `yaml:"command"`
	Ports           []string `yaml:"ports"`
	EnvFile         any      `yaml:"env_file"`
	StopGracePeriod string   `yaml:"stop_grace_period"`
}

func checkCompose(t *testing.T, where string, doc map[string]any) {
	b, err := yaml.Marshal(doc["services"]) // merges the x-botctl anchor in
	if err != nil {
		t.Fatal(err)
	}
	var services map[string]composeService
	if err := yaml.Unmarshal(b, &services); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	replicas := 0
	for name, svc := range services {
		if len(svc.Command) == 0 || svc.Command[0] != "serve" {
			continue
		}
		replicas++
		what := where + " " + name
		s := parseServe(t, what, svc.Command)
		if len(svc.Ports) != 1 || !strings.HasSuffix(svc.Ports[0], ":"+strconv.Itoa(s.addrPort)) {
			t.Errorf("%s: ports %q do not publish the port of --addr (%d)", what, svc.Ports, s.addrPort)
		}
		if svc.EnvFile == nil {
			t.Errorf("%s: no env_file with the keys", what)
		}
		if grace, err := time.ParseDuration(svc.StopGracePeriod); err != nil || grace <= s.drain+s.shutdown {
			t.Errorf("%s: stop_grace_period %q is not above --drain-timeout %v plus --shutdown-timeout %v", what, svc.StopGracePeriod, s.drain, s.shutdown)
		}
	}
	if replicas < 2 {
		t.Errorf("%s: %d botctl replicas, want 2", where, replicas)
	}
}

// TestDockerfile checks the Dockerfile against the code: its command is
// one botctl serve takes, on the port it exposes, serving the bots it
// copies in, as a non-root user, from a static build.
func TestDockerfile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		expose, workdir, user string
		entrypoint, cmd       []string
		copies                []string // destinations of COPY from the context
		build                 string
	)
	for _, line := range strings.Split(string(src), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch word {
		case "EXPOSE":
			expose = rest
		case "WORKDIR":
			workdir = rest
		case "USER":
			user = rest
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("%s is not in JSON form (which gets the signals): %v", word, err)
			}
			if word == "CMD" {
				cmd = v
			} else {
				entrypoint = v
			}
		case "COPY":
			if !strings.Contains(rest, "--from=") {
				f := strings.Fields(rest)
				copies = append(copies, f[len(f)-1])
			}
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		}
	}
	if !slices.Equal(entrypoint, []string{"botctl"}) {
		t.Errorf("ENTRYPOINT %q, want [botctl]", entrypoint)
	}
	s := parseServe(t, "Dockerfile CMD", cmd)
	if expose != strconv.Itoa(s.addrPort) {
		t.Errorf("EXPOSE %q, but botctl listens on %d", expose, s.addrPort)
	}
	for _, p := range s.paths {
		p = filepath.Clean(filepath.Join(workdir, p))
		if !slices.ContainsFunc(copies, func(dst string) bool { return filepath.Clean(dst) == p }) {
			t.Errorf("the CMD serves %s, which no COPY puts there (COPY to %q)", p, copies)
		}
		if _, err := os.Stat(filepath.Join(repoRoot, strings.TrimPrefix(p, workdir+"/"))); err != nil {
			t.Errorf("the CMD serves %s, which the repository does not have: %v", p, err)
		}
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("USER %q: the server must not run as root", user)
	}
	for _, want := range []string{"-trimpath", "-X main.version=", "-X main.commit="} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build of the Dockerfile has no %s: %s", want, build)
		}
	}
	if !strings.Contains(string(src), "CGO_ENABLED=0") {
		t.Error("the Dockerfile does not build with CGO_ENABLED=0: the binary would not be static")
	}
}
