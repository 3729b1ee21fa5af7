"""deploy/k8s: kustomize renders the base and the example site; the result validates against
the Kubernetes schemas and follows the site rules (probes, non-root, Secrets by reference).

No custom resources are used (routing is a plain Ingress to the Traefik gateway), so an
unknown kind in the rendered output is a mistake and fails here rather than being skipped.
"""

from __future__ import annotations

import shutil

import kubernetes_validate
import pytest
from deployfiles import K8S, KUBERNETES_VERSION, domain_services, render

SECRET_NAME = ("SECRET", "TOKEN", "PASSWORD", "DATABASE_URL")


def validation_errors(documents: list[dict]) -> list[str]:
    errors = []
    for doc in documents:
        label = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{label}: no schema for this kind in Kubernetes {KUBERNETES_VERSION} (no CRDs here)")
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{label}: {exc.message} at {'.'.join(map(str, exc.path))}")
    return errors


def of_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def test_base_renders_and_validates_against_the_kubernetes_schemas():
    assert validation_errors(render(K8S / "base")) == []


def test_example_site_renders_and_validates_against_the_kubernetes_schemas(example_site):
    assert validation_errors(example_site) == []
    assert {d["metadata"].get("namespace") for d in example_site if d["kind"] != "Namespace"} == {"shopdb-example"}


def test_every_domain_service_has_a_component_that_renders():
    for name in domain_services():
        component = K8S / "components" / name
        assert (component / "kustomization.yaml").is_file(), f"no Kubernetes component for {name}"
        text = "\n".join(p.read_text() for p in component.glob("*.yaml"))
        assert "servicename" not in text, f"components/{name} still has the template's placeholder"


def test_each_service_pod_probes_readyz_and_healthz_and_migrates_first(example_site):
    deployments = of_kind(example_site, "Deployment")
    for name in ["core", *(n for n in domain_services() if n in deployments)]:
        spec = pod_spec(deployments[name])
        container = next(c for c in spec["containers"] if c["name"] == name)
        assert container["args"] == ["serve", name]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert [c["args"] for c in spec["initContainers"]] == [["migrate", name]]


def test_every_pod_runs_non_root_on_a_read_only_root_with_resources(example_site):
    workloads = {**of_kind(example_site, "Deployment"), **of_kind(example_site, "StatefulSet")}
    assert workloads
    for name, workload in workloads.items():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name}/{container['name']}"
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
            assert {"requests", "limits"} <= set(container["resources"]), where
        if workload["kind"] == "Deployment":
            tmp = [m for c in spec["containers"] for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{name}: /tmp is not an emptyDir"


def test_secrets_are_referenced_never_inlined(example_site):
    assert of_kind(example_site, "Secret") == {}
    for workload in of_kind(example_site, "Deployment").values():
        spec = pod_spec(workload)
        for container in spec.get("initContainers", []) + spec["containers"]:
            for variable in container.get("env", []):
                if variable["name"].endswith(SECRET_NAME):
                    assert "secretKeyRef" in variable.get("valueFrom", {}), f"{variable['name']} is inlined"
    for config in of_kind(example_site, "ConfigMap").values():
        assert not [key for key in config["data"] if key.endswith(SECRET_NAME)]


def test_stateless_services_are_autoscaled(example_site):
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(example_site, "HorizontalPodAutoscaler").values()}
    assert set(of_kind(example_site, "Deployment")) == targets


def test_nats_keeps_its_jetstream_on_a_persistent_volume(example_site):
    nats = of_kind(example_site, "StatefulSet")["nats"]
    container = pod_spec(nats)["containers"][0]
    store = container["args"][container["args"].index("--store_dir") + 1]
    assert "--jetstream" in container["args"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == store)
    assert mount["name"] in {c["metadata"]["name"] for c in nats["spec"]["volumeClaimTemplates"]}


def test_ingress_sends_the_site_to_the_gateway(example_site):
    ingress = of_kind(example_site, "Ingress")["shopdb"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "gateway" and "gateway" in of_kind(example_site, "Service")
    assert ingress["spec"]["tls"][0]["secretName"]


def test_enabling_a_service_is_one_line_in_a_site_overlay(tmp_path):
    # A copy of deploy/k8s with a component made from the template, as the runbook says.
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    component = tree / "components" / "lathes"
    shutil.copytree(tree / "components" / "_template", component)
    for path in component.glob("*.yaml"):
        path.rename(path.with_name(path.name.replace("servicename", "lathes")))
    for path in component.glob("*.yaml"):
        path.write_text(path.read_text().replace("servicename", "lathes"))
    overlay = tree / "overlays" / "example-site" / "kustomization.yaml"
    before = overlay.read_text()
    after = before.replace("\ncomponents:\n", "\ncomponents:\n  - ../../components/lathes\n", 1)
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    overlay.write_text(after)

    documents = render(overlay.parent)
    assert validation_errors(documents) == []
    deployment = of_kind(documents, "Deployment")["lathes"]
    assert pod_spec(deployment)["containers"][0]["args"] == ["serve", "lathes"]
    assert "lathes" in of_kind(documents, "Service")
    assert "lathes" in {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(documents, "HorizontalPodAutoscaler").values()}
    env = {e["name"]: e for e in pod_spec(deployment)["containers"][0]["env"]}
    assert env["SHOPDB_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "shopdb-database-lathes"


@pytest.mark.parametrize("kind", ["Middleware"])
def test_an_unknown_kind_is_refused_not_skipped(kind):
    errors = validation_errors([{"apiVersion": "traefik.io/v1alpha1", "kind": kind, "metadata": {"name": "x"}}])
    assert errors and "no schema" in errors[0]
