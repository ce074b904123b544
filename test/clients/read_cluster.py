"""Drives a simulated AKS API server with Debian's python3-kubernetes client (a client nobody here wrote).

Reads a JSON request on stdin:
  {"kubeconfig": path, "namespace": ns, "logPod": [ns, name], "jobSelector": sel, "bearer": AKS-audience token}
and prints one JSON report on stdout. Every answer is deserialized into the client's models, which raise on a
shape they do not accept; any such error ends the script with a traceback (non-zero exit).
"""
import json
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def status_of(call):
    """The status and parsed Status body of a call that must fail."""
    try:
        call()
    except ApiException as error:
        return {"status": error.status, "body": json.loads(error.body)}
    raise AssertionError("the call did not fail")


def main():
    request = json.load(sys.stdin)
    api = config.new_client_from_config(config_file=request["kubeconfig"])
    core = client.CoreV1Api(api)
    batch = client.BatchV1Api(api)
    custom = client.CustomObjectsApi(api)
    report = {"version": client.VersionApi(api).get_code().git_version}

    nodes = core.list_node()
    report["nodes"] = [n.metadata.name for n in nodes.items]
    first = core.read_node(nodes.items[0].metadata.name)
    report["readNode"] = {"name": first.metadata.name, "kubelet": first.status.node_info.kubelet_version}

    pods, pages, token = [], 0, None
    while True:
        page = core.list_pod_for_all_namespaces(limit=4, _continue=token)
        pages += 1
        pods += ["%s/%s" % (p.metadata.namespace, p.metadata.name) for p in page.items]
        token = page.metadata._continue
        if not token:
            break
    report["pods"], report["podPages"] = pods, pages
    report["allPods"] = ["%s/%s" % (p.metadata.namespace, p.metadata.name) for p in core.list_pod_for_all_namespaces().items]
    report["namespacedPods"] = [p.metadata.name for p in core.list_namespaced_pod(request["namespace"]).items]

    log_namespace, log_name = request["logPod"]
    report["log"] = core.read_namespaced_pod_log(log_name, log_namespace, tail_lines=2)

    events = core.list_event_for_all_namespaces().items
    report["events"] = {"count": len(events), "types": sorted({e.type for e in events})}
    jobs = batch.list_job_for_all_namespaces(label_selector=request["jobSelector"]).items
    report["jobs"] = sorted(j.metadata.name for j in jobs)

    metrics = custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    report["nodeMetrics"] = sorted(m["metadata"]["name"] for m in metrics["items"])

    report["notFound"] = status_of(lambda: core.read_namespaced_pod("no-such-pod", request["namespace"]))

    # Bearer auth against the same server: the AKS-audience token reads, a wrong one gets 401.
    def bearer_core(token):
        configuration = client.Configuration()
        configuration.host = api.configuration.host
        configuration.ssl_ca_cert = api.configuration.ssl_ca_cert
        configuration.api_key = {"authorization": "Bearer " + token}
        return client.CoreV1Api(client.ApiClient(configuration))

    report["bearerNodes"] = len(bearer_core(request["bearer"]).list_node().items)
    report["unauthorized"] = status_of(lambda: bearer_core("not-the-token").list_node())

    json.dump(report, sys.stdout)


main()
