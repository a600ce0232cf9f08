"""Which fields a lab file may carry, as data.

Each Kubernetes structure lists the fields netlab simulates, the real Kubernetes fields it accepts
and ignores (so real manifests paste in; `up` notes them once), and the real fields it refuses
because ignoring them would give the wrong network (hostNetwork). Anything else is a typo or a
field Kubernetes does not have, and an error that names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlab.model.lab import LANGUAGES


@dataclass(frozen=True)
class Fields:
    simulated: frozenset[str]
    ignored: frozenset[str] = frozenset()
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def known(self) -> frozenset[str]:
        return self.simulated | self.ignored | frozenset(self.refused)


def _fields(simulated: str, ignored: str = "", refused: dict[str, str] | None = None) -> Fields:
    return Fields(frozenset(simulated.split()), frozenset(ignored.split()), refused or {})


TRANSLATED = LANGUAGES[1:]  # a lab file is in English; a field per other language holds its translation
LAB = _fields("name title seed cluster outside objects checks guide " + " ".join(TRANSLATED))
OUTSIDE_HOST = _fields("name address ports dns")
CLUSTER = _fields(
    "nodes network proxyMode podCIDR serviceCIDR underlay nodeCIDRMaskSize clusterDomain loadBalancer dns"
)
NODE = _fields("name labels")
CHECK = _fields(
    "name from ping http udp send bind bridge dns env type resolver expect count capture when pending headers"
)
CAPTURE = _fields("at filter interface")  # not `on`: YAML 1.1 reads it as true
GUIDE_STEP = _fields("title text article run checks builds " + " ".join(TRANSLATED))
TRANSLATION = _fields(
    "title text",
    refused={  # a guide step's `zh-TW:`
        "run": "commands are not translated: the step's run serves every language",
        "checks": "check names are not translated: the step's checks serve every language",
        "builds": "what a step builds is not translated: the step's builds serve every language",
        "article": "the article's section is not translated: the step's article serves every language",
    },
)
LAB_TRANSLATION = _fields("title")  # the lab's own `zh-TW:`

OBJECT = _fields("apiVersion kind metadata spec", "status")
METADATA = _fields(
    "name namespace labels",
    "annotations uid resourceVersion generation creationTimestamp deletionTimestamp "
    "deletionGracePeriodSeconds ownerReferences finalizers managedFields selfLink generateName",
)
POD_SPEC = _fields(
    "containers nodeName nodeSelector enableServiceLinks dnsPolicy dnsConfig hostAliases serviceAccountName "
    "hostname subdomain initContainers restartPolicy",
    "terminationGracePeriodSeconds activeDeadlineSeconds "
    "serviceAccount automountServiceAccountToken securityContext "
    "imagePullSecrets affinity tolerations schedulerName priorityClassName priority "
    "topologySpreadConstraints volumes readinessGates runtimeClassName preemptionPolicy "
    "overhead setHostnameAsFQDN os "
    "resourceClaims schedulingGates shareProcessNamespace ephemeralContainers",
    {
        "hostNetwork": "pods on the node's network are not simulated yet",
        "hostPID": "host PID namespace pods are not simulated",
        "hostIPC": "host IPC namespace pods are not simulated",
    },
)
CONTAINER = _fields(
    "name command args ports env envFrom",
    "image imagePullPolicy resources livenessProbe readinessProbe startupProbe volumeMounts "
    "volumeDevices securityContext lifecycle terminationMessagePath terminationMessagePolicy "
    "stdin stdinOnce tty workingDir resizePolicy restartPolicy",
)
# An init container: a container's fields, and restartPolicy (Always: a sidecar) read, not ignored.
INIT_CONTAINER = Fields(CONTAINER.simulated | {"restartPolicy"}, CONTAINER.ignored - {"restartPolicy"})
# What the API server allows on a sidecar (restartPolicy: Always) only, never on an init container run to completion
SIDECAR_ONLY = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
DNS_CONFIG = _fields("nameservers searches options")
HOST_ALIAS = _fields("ip hostnames")
DNS_OPTION = _fields("name value")
CONTAINER_PORT = _fields("containerPort name protocol", "hostPort hostIP")
ENV_VAR = _fields("name value valueFrom")
ENV_VAR_SOURCE = _fields(
    "fieldRef configMapKeyRef secretKeyRef",
    refused={
        "resourceFieldRef": "container resources are not simulated",
        "fileKeyRef": "env from a file is not simulated",
    },
)
OBJECT_FIELD_SELECTOR = _fields("fieldPath", "apiVersion")
DEPLOYMENT_SPEC = _fields(
    "replicas selector template",
    "strategy minReadySeconds revisionHistoryLimit progressDeadlineSeconds paused",
)
STATEFULSET_SPEC = _fields(
    "replicas selector template serviceName podManagementPolicy ordinals",
    "updateStrategy revisionHistoryLimit minReadySeconds volumeClaimTemplates persistentVolumeClaimRetentionPolicy",
)
STATEFULSET_ORDINALS = _fields("start")
LABEL_SELECTOR = _fields("matchLabels", refused={"matchExpressions": "matchExpressions is not simulated"})
POD_TEMPLATE = _fields("metadata spec")

SERVICE_SPEC = _fields(
    "type selector ports clusterIP sessionAffinity sessionAffinityConfig externalTrafficPolicy loadBalancerIP "
    "externalName "
    "healthCheckNodePort clusterIPs ipFamilies ipFamilyPolicy",
    "internalTrafficPolicy publishNotReadyAddresses trafficDistribution allocateLoadBalancerNodePorts",
    {
        "externalIPs": "externalIPs are not simulated yet",
        "loadBalancerSourceRanges": "loadBalancerSourceRanges are not simulated yet",
    },
)
SERVICE_PORT = _fields("name port targetPort protocol nodePort", "appProtocol")
SESSION_AFFINITY_CONFIG = _fields("clientIP")
CLIENT_IP_CONFIG = _fields("timeoutSeconds")

INGRESS_SPEC = _fields("ingressClassName defaultBackend rules tls")
INGRESS_TLS = _fields("hosts secretName")
INGRESS_RULE = _fields("host http")
HTTP_INGRESS_RULE_VALUE = _fields("paths")
HTTP_INGRESS_PATH = _fields("path pathType backend")
INGRESS_BACKEND = _fields("service", refused={"resource": "resource backends are not simulated"})
INGRESS_SERVICE_BACKEND = _fields("name port")
SERVICE_BACKEND_PORT = _fields("number name")
INGRESS_CLASS_SPEC = _fields("controller", "parameters")  # parameters: the controller's own, ingress-nginx reads none

# gateway.networking.k8s.io/v1 (netlab.model.gateway)
GATEWAY_CLASS_SPEC = _fields("controllerName", "description parametersRef")
GATEWAY_SPEC = _fields(
    "gatewayClassName listeners",
    "infrastructure",
    {"addresses": "static Gateway addresses are not simulated (the LoadBalancer Service gets one)"},
)
LISTENER = _fields("name hostname port protocol allowedRoutes tls")
GATEWAY_TLS_CONFIG = _fields("mode certificateRefs", "options")
SECRET_OBJECT_REF = _fields("group kind name namespace")
ALLOWED_ROUTES = _fields("namespaces kinds")
ROUTE_NAMESPACES = _fields("from selector")
NAMESPACE_SELECTOR = _fields("matchLabels", refused={"matchExpressions": "matchExpressions are not simulated yet"})
ROUTE_GROUP_KIND = _fields("group kind")
HTTP_ROUTE_SPEC = _fields("parentRefs hostnames rules")
PARENT_REF = _fields("group kind namespace name sectionName port")
HTTP_ROUTE_RULE = _fields(
    "matches filters backendRefs",
    "name timeouts",
    {"retry": "retries are not simulated", "sessionPersistence": "session persistence is not simulated"},
)
HTTP_ROUTE_MATCH = _fields("path headers queryParams method")
HTTP_PATH_MATCH = _fields("type value")
HTTP_HEADER_MATCH = _fields("type name value")
HTTP_ROUTE_FILTER = _fields(
    "type requestHeaderModifier requestRedirect",
    refused={
        k: f"{k} filters are not simulated yet"
        for k in ("responseHeaderModifier", "requestMirror", "urlRewrite", "extensionRef", "cors", "externalAuth")
    },
)
HTTP_HEADER_FILTER = _fields("set add remove")
HTTP_HEADER = _fields("name value")
HTTP_REQUEST_REDIRECT = _fields(
    "scheme hostname port statusCode", refused={"path": "redirect paths are not simulated yet"}
)
HTTP_BACKEND_REF = _fields(
    "group kind name namespace port weight", refused={"filters": "backendRef filters are not simulated"}
)

# networking.k8s.io/v1 NetworkPolicy and v1 Namespace (netlab.model.networkpolicy)
NETWORK_POLICY_SPEC = _fields("podSelector policyTypes ingress egress")
NETWORK_POLICY_INGRESS_RULE = _fields("from ports")
NETWORK_POLICY_EGRESS_RULE = _fields("to ports")
NETWORK_POLICY_PEER = _fields("podSelector namespaceSelector ipBlock")
NETWORK_POLICY_PORT = _fields("protocol port endPort")
IP_BLOCK = _fields("cidr except")
POLICY_LABEL_SELECTOR = _fields("matchLabels matchExpressions")
LABEL_SELECTOR_REQUIREMENT = _fields("key operator values")
NAMESPACE = _fields("apiVersion kind metadata", "spec status")
NAMESPACE_METADATA = _fields("name labels", " ".join(sorted(METADATA.ignored | {"namespace"})))

# apiVersion and kind of every object a lab may hold.
KINDS = {
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("v1", "Endpoints"),
    ("gateway.networking.k8s.io/v1", "GatewayClass"),
    ("gateway.networking.k8s.io/v1", "Gateway"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("v1", "Namespace"),
}
CONFIG_MAP = _fields("apiVersion kind metadata data", "binaryData immutable")
SECRET = _fields("apiVersion kind metadata data stringData type", "immutable")
KEY_SELECTOR = _fields("name key optional")
ENV_FROM_SOURCE = _fields("configMapRef secretRef prefix")
SOURCE_SELECTOR = _fields("name optional")
ENDPOINT_SLICE = _fields("apiVersion kind metadata addressType endpoints ports")
SLICE_ENDPOINT = _fields("addresses conditions hostname nodeName", "targetRef zone hints deprecatedTopology")
ENDPOINT_CONDITIONS = _fields("ready serving terminating")
ENDPOINT_PORT = _fields("name port protocol", "appProtocol")  # an EndpointSlice's, and an Endpoints subset's
ENDPOINTS = _fields("apiVersion kind metadata subsets")
ENDPOINT_SUBSET = _fields("addresses notReadyAddresses ports")
ENDPOINT_ADDRESS = _fields("ip hostname nodeName", "targetRef")

EXPECT_BY_CHECK = {
    "ping": _fields("reachable captured"),
    "http": _fields(
        "reachable reason answeredBy oneBackend clientIP repliedFrom status body captured certificate shares"
    ),
    "udp": _fields("reachable reason answeredBy oneBackend clientIP captured"),
    "bind": _fields("inUse"),
    "bridge": _fields("learned"),
    "dns": _fields("rcode answers cname endpointsOf tries reachable reason"),
    "env": _fields("value present"),
}
