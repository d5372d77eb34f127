package kubernetes_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/gqlbff/gqlbff/server"
)

// newObject returns the typed object of a manifest's apiVersion and kind;
// nil for a kind these manifests are not expected to hold.
func newObject(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "kustomize.config.k8s.io/v1beta1/Kustomization":
		return &kusttypes.Kustomization{}
	}
	return nil
}

// decodeAll decodes every document of a YAML stream strictly into its
// typed object: an unknown field, a wrong type or an unknown kind fails.
func decodeAll(t *testing.T, name string, stream []byte) []any {
	t.Helper()
	var out []any
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(stream), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Errorf("%s, document %d: %v", name, i, err)
			continue
		}
		obj := newObject(tm.APIVersion, tm.Kind)
		if obj == nil {
			t.Errorf("%s, document %d: unexpected kind %s %s", name, i, tm.APIVersion, tm.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Errorf("%s, document %d (%s): %v", name, i, tm.Kind, err)
			continue
		}
		out = append(out, obj)
	}
	return out
}

// Every YAML file here, the overlays' patches included, is a manifest of
// a known kind that decodes strictly.
func TestEveryManifestDecodesStrictly(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n += len(decodeAll(t, path, b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("decoded %d manifests, want the base's and the overlays' (at least 10)", n)
	}
}

// keys are the files an operator makes for an overlay's secretGenerator.
func keys(t *testing.T) map[string][]byte {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"identity.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"jwt-secret":   []byte("an-hs256-secret-of-at-least-32-bytes-for-the-test"),
		"admin-key":    []byte("an-admin-key-of-at-least-32-characters"),
	}
}

// build runs kustomize on an overlay, in memory, with the operator's key
// files added, and decodes the result strictly.
func build(t *testing.T, overlay string) []any {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(filepath.Join("/k", path), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("/k/overlays", overlay)
	for name, b := range keys(t) {
		if err := mem.WriteFile(filepath.Join(dir, name), b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, dir)
	if err != nil {
		t.Fatalf("kustomize build overlays/%s: %v", overlay, err)
	}
	out, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return decodeAll(t, "overlays/"+overlay, out)
}

func overlays(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("overlays")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) < 2 {
		t.Fatalf("overlays: got %v, want dev and production", out)
	}
	return out
}

// built is one overlay's objects by kind and name.
type built struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
}

func index(objs []any) built {
	b := built{deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			b.deployments[o.Name] = o
		case *corev1.Service:
			b.services[o.Name] = o
		case *corev1.ConfigMap:
			b.configMaps[o.Name] = o
		case *corev1.Secret:
			b.secrets[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			b.pdbs = append(b.pdbs, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			b.hpas = append(b.hpas, o)
		}
	}
	return b
}

// Each overlay builds, and what it builds agrees with gqlbff: the config
// the pod would see loads, the ports and probes are the ones it serves,
// every GQLBFF_ variable is one it reads, and the replicas share a Redis
// and one identity key.
func TestOverlaysAgreeWithTheServer(t *testing.T) {
	for _, overlay := range overlays(t) {
		t.Run(overlay, func(t *testing.T) {
			b := index(build(t, overlay))
			d := b.deployments["gqlbff"]
			if d == nil {
				t.Fatal("no Deployment gqlbff")
			}
			pod := d.Spec.Template
			c := container(t, pod.Spec, "gqlbff")
			cfg := podConfig(t, b, pod.Spec, c)

			checkDeployment(t, d, c, cfg)
			checkProbes(t, c, cfg)
			checkSecurity(t, pod.Spec, c)
			checkService(t, b, pod, c)
			checkDisruptionAndScaling(t, b, d, c)
			checkShared(t, b, cfg)
		})
	}
}

func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %s", name)
	return corev1.Container{}
}

// podConfig loads gqlbff's configuration as the pod would: the mounted
// ConfigMap and Secret written under a temporary root, the container's
// environment with its references resolved.
func podConfig(t *testing.T, b built, spec corev1.PodSpec, c corev1.Container) server.Config {
	t.Helper()
	root := t.TempDir()
	// at maps a path in the pod to the file written for it.
	at := func(p string) string { return filepath.Join(root, p) }
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	var mounts []string
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("volume mount %s: no such volume", m.Name)
		}
		if !m.ReadOnly {
			t.Errorf("volume mount %s: not read-only", m.Name)
		}
		files := map[string][]byte{}
		switch {
		case v.ConfigMap != nil:
			cm := b.configMaps[v.ConfigMap.Name]
			if cm == nil {
				t.Fatalf("volume %s: no ConfigMap %s", v.Name, v.ConfigMap.Name)
			}
			for k, s := range cm.Data {
				files[k] = []byte(s)
			}
		case v.Secret != nil:
			s := b.secrets[v.Secret.SecretName]
			if s == nil {
				t.Fatalf("volume %s: no Secret %s (the generated name is %v)", v.Name, v.Secret.SecretName, keysOf(b.secrets))
			}
			for _, it := range v.Secret.Items {
				data, ok := s.Data[it.Key]
				if !ok {
					t.Fatalf("volume %s: Secret %s has no key %s", v.Name, s.Name, it.Key)
				}
				files[it.Path] = data
			}
		default:
			t.Fatalf("volume %s: want a ConfigMap or a Secret", v.Name)
		}
		for name, data := range files {
			p := at(filepath.Join(m.MountPath, name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		mounts = append(mounts, m.MountPath)
	}
	// relocate points a path in the pod at its file under root.
	relocate := func(s string) string {
		for _, m := range mounts {
			s = strings.ReplaceAll(s, m+"/", at(m)+"/")
		}
		return s
	}

	known := map[string]bool{"GQLBFF_CONFIG": true} // the --config flag's variable
	for _, v := range server.EnvVars() {
		known[v.Name] = true
	}
	env := map[string]string{}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "GQLBFF_") && !known[e.Name] {
			t.Errorf("env %s: gqlbff reads no such variable", e.Name)
		}
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s := b.secrets[ref.Name]
			if s == nil || s.Data[ref.Key] == nil {
				t.Fatalf("env %s: no key %s in Secret %s", e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = string(s.Data[ref.Key])
		default:
			t.Fatalf("env %s: a reference this test does not resolve", e.Name)
		}
	}
	if len(c.EnvFrom) > 0 {
		t.Error("envFrom: name each variable, so that this test can check it")
	}
	path := env["GQLBFF_CONFIG"]
	if path == "" {
		t.Fatal("GQLBFF_CONFIG is not set: the pod would not read the ConfigMap")
	}
	file, err := os.ReadFile(at(path))
	if err != nil {
		t.Fatalf("GQLBFF_CONFIG=%s is not a mounted file: %v", path, err)
	}
	local := filepath.Join(root, "config.yaml")
	if err := os.WriteFile(local, []byte(relocate(string(file))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.LoadConfig(local, func(k string) string {
		if k == "GQLBFF_CONFIG" {
			return local
		}
		return relocate(env[k])
	})
	if err != nil {
		t.Fatalf("gqlbff refuses the pod's configuration: %v", err)
	}
	return cfg
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func port(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %q", c.Name, p.StrVal)
	return 0
}

func checkDeployment(t *testing.T, d *appsv1.Deployment, c corev1.Container, cfg server.Config) {
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas: got %v, want 2 or more", d.Spec.Replicas)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Error("rolling update: want maxUnavailable 0 (a new pod is ready before an old one goes)")
	}
	if c.Image == "gqlbff" || c.Image == "" {
		t.Errorf("image %q: the overlay sets no image", c.Image)
	}
	host, p, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		t.Fatalf("listen %q: %v", cfg.Listen, err)
	}
	if host != "0.0.0.0" && host != "" && host != "::" {
		t.Errorf("listen %q: the pod's IP must reach it (0.0.0.0)", cfg.Listen)
	}
	if got := port(t, c, intstr.FromString("http")); strconv.Itoa(int(got)) != p {
		t.Errorf("container port http is %d, gqlbff listens on %s", got, p)
	}
	metrics := p
	if cfg.Admin.Listen != "" {
		_, ap, err := net.SplitHostPort(cfg.Admin.Listen)
		if err != nil {
			t.Fatalf("admin.listen %q: %v", cfg.Admin.Listen, err)
		}
		if got := port(t, c, intstr.FromString("admin")); strconv.Itoa(int(got)) != ap {
			t.Errorf("container port admin is %d, gqlbff's admin listener is on %s", got, ap)
		}
		metrics = ap
	}
	if got := d.Spec.Template.Annotations["prometheus.io/port"]; got != metrics {
		t.Errorf("prometheus.io/port %q: /metrics is served on %s", got, metrics)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources: got %+v, want cpu and memory requests and a memory limit", c.Resources)
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		lim, err := resource.ParseQuantity(strings.TrimSuffix(strings.TrimSuffix(e.Value, "B"), "i") + "i")
		if err != nil || lim.Cmp(*c.Resources.Limits.Memory()) >= 0 {
			t.Errorf("GOMEMLIMIT %s: want it under the memory limit %s", e.Value, c.Resources.Limits.Memory())
		}
	}
}

func checkProbes(t *testing.T, c corev1.Container, cfg server.Config) {
	want := map[string]struct {
		probe *corev1.Probe
		path  string
	}{
		"liveness":  {c.LivenessProbe, "/healthz"},
		"readiness": {c.ReadinessProbe, "/readyz"},
		"startup":   {c.StartupProbe, "/healthz"},
	}
	// Probes go to the admin listener when there is one (the Service does
	// not expose it), else to the public one.
	serves := cfg.Listen
	if cfg.Admin.Listen != "" {
		serves = cfg.Admin.Listen
	}
	_, listen, _ := net.SplitHostPort(serves)
	for name, w := range want {
		if w.probe == nil || w.probe.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET of %s", name, w.path)
			continue
		}
		if w.probe.HTTPGet.Path != w.path {
			t.Errorf("%s probe: GET %s, want %s", name, w.probe.HTTPGet.Path, w.path)
		}
		if p := port(t, c, w.probe.HTTPGet.Port); strconv.Itoa(int(p)) != listen {
			t.Errorf("%s probe: port %d, gqlbff serves probes on %s", name, p, listen)
		}
	}
}

// drain is how long a terminating pod keeps serving after it is told to
// go: a preStop sleep if any, then gqlbff's own drain delay.
func drain(t *testing.T, c corev1.Container, cfg server.Config) time.Duration {
	d := cfg.HTTP.DrainDelay
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if s := c.Lifecycle.PreStop.Sleep; s != nil {
			d += time.Duration(s.Seconds) * time.Second
		} else {
			t.Error("preStop: the image has no shell; use the sleep action")
		}
	}
	return d
}

func checkSecurity(t *testing.T, spec corev1.PodSpec, c corev1.Container) {
	psc, sc := spec.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil {
		t.Fatal("pod securityContext: want runAsNonRoot and runAsUser")
	}
	if uid := imageUID(t); *psc.RunAsUser != uid {
		t.Errorf("runAsUser %d: the image's user is %d (deploy/container/passwd)", *psc.RunAsUser, uid)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container securityContext: got %+v, want a read-only root, no privilege escalation, every capability dropped", sc)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken: gqlbff does not call the Kubernetes API; want false")
	}
}

// imageUID is the uid of the image's gqlbff user.
func imageUID(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("../container/passwd")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[0] == "gqlbff" {
			uid, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return uid
		}
	}
	t.Fatal("deploy/container/passwd has no gqlbff user")
	return 0
}

func matches(sel map[string]string, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func checkService(t *testing.T, b built, pod corev1.PodTemplateSpec, c corev1.Container) {
	s := b.services["gqlbff"]
	if s == nil {
		t.Fatal("no Service gqlbff")
	}
	if !matches(s.Spec.Selector, pod.Labels) {
		t.Errorf("Service selector %v does not select the pods %v", s.Spec.Selector, pod.Labels)
	}
	for _, p := range s.Spec.Ports {
		if port(t, c, p.TargetPort) == port(t, c, intstr.FromString("admin")) {
			t.Errorf("Service port %s exposes the admin listener", p.Name)
		}
	}
}

func checkDisruptionAndScaling(t *testing.T, b built, d *appsv1.Deployment, c corev1.Container) {
	labels := d.Spec.Template.Labels
	if len(b.pdbs) != 1 {
		t.Fatalf("PodDisruptionBudgets: got %d, want 1", len(b.pdbs))
	}
	pdb := b.pdbs[0]
	if pdb.Spec.Selector == nil || !matches(pdb.Spec.Selector.MatchLabels, labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods %v", pdb.Spec.Selector, labels)
	}
	if mu := pdb.Spec.MaxUnavailable; mu == nil || mu.IntValue() < 1 || int32(mu.IntValue()) >= *d.Spec.Replicas {
		t.Errorf("PodDisruptionBudget maxUnavailable %v: want at least 1 and fewer than the replicas (%d)", mu, *d.Spec.Replicas)
	}
	if len(b.hpas) != 1 {
		t.Fatalf("HorizontalPodAutoscalers: got %d, want 1", len(b.hpas))
	}
	h := b.hpas[0]
	if ref := h.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA target %+v, want the Deployment %s", ref, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || *h.Spec.MinReplicas > h.Spec.MaxReplicas || *h.Spec.MinReplicas > *d.Spec.Replicas {
		t.Errorf("HPA replicas %v..%d: want a minimum of 2 or more, at most the Deployment's %d", h.Spec.MinReplicas, h.Spec.MaxReplicas, *d.Spec.Replicas)
	}
	for _, m := range h.Spec.Metrics {
		if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && c.Resources.Requests.Cpu().IsZero() {
			t.Error("HPA scales on CPU utilization, which needs a CPU request")
		}
	}
}

// checkShared: the replicas share one Redis (in the build, at the URL the
// config names) and one configured identity key, and a terminating pod
// drains within its grace period.
func checkShared(t *testing.T, b built, cfg server.Config) {
	if cfg.Redis.URL == "" {
		t.Fatal("redis.url is not set: each replica would keep its own budgets and APQ registrations")
	}
	u, err := url.Parse(cfg.Redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	rs := b.services[u.Hostname()]
	if rs == nil || len(rs.Spec.Ports) != 1 || strconv.Itoa(int(rs.Spec.Ports[0].Port)) != u.Port() {
		t.Errorf("redis.url %s: no Service %s on port %s in the build", cfg.Redis.URL, u.Hostname(), u.Port())
	} else if rd := b.deployments[u.Hostname()]; rd == nil || !matches(rs.Spec.Selector, rd.Spec.Template.Labels) {
		t.Errorf("Service %s selects no Redis Deployment", rs.Name)
	}

	if cfg.Identity.KeyFile == "" && cfg.Identity.Key == "" {
		t.Error("no identity key: each replica would generate its own")
	} else {
		raw := []byte(cfg.Identity.Key)
		if cfg.Identity.KeyFile != "" {
			if raw, err = os.ReadFile(cfg.Identity.KeyFile); err != nil {
				t.Fatalf("identity.keyFile: %v", err)
			}
		}
		block, _ := pem.Decode(raw)
		if block == nil {
			t.Fatal("identity key: not PEM")
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if _, ok := k.(ed25519.PrivateKey); err != nil || !ok {
			t.Errorf("identity key: got %T (%v), want Ed25519", k, err)
		}
	}
	if len(cfg.JWT.Secret) < 32 && len(cfg.JWT.Keys) == 0 && cfg.JWT.JWKSURL == "" {
		t.Error("no JWT key: every request would be refused")
	}

	d := b.deployments["gqlbff"]
	c := container(t, d.Spec.Template.Spec, "gqlbff")
	dr := drain(t, c, cfg)
	if dr < 2*time.Second {
		t.Errorf("drain %v: a terminating pod must keep serving while the endpoints drop it (a few seconds)", dr)
	}
	if p := c.ReadinessProbe; p != nil && dr < time.Duration(p.PeriodSeconds)*time.Second {
		t.Errorf("drain %v is shorter than the readiness period %ds", dr, p.PeriodSeconds)
	}
	grace := 30 * time.Second
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if need := dr + cfg.HTTP.ShutdownTimeout; grace <= need {
		t.Errorf("terminationGracePeriodSeconds %v: want more than the drain %v plus http.shutdownTimeout %v", grace, dr, cfg.HTTP.ShutdownTimeout)
	}
}
