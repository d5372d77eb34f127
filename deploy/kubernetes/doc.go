// Package kubernetes holds gqlbff's Kubernetes manifests (base/, overlays/)
// and the test that builds each overlay with kustomize, decodes every object
// strictly into the k8s.io/api types and checks it against gqlbff's own
// configuration. It is a module of its own so that k8s.io/api and
// kustomize stay out of gqlbff's dependencies.
package kubernetes
