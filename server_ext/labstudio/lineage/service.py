"""LineageService: query the trail (SageMaker's QueryLineage), list and describe its entities
(ListArtifacts, DescribeContext, ListAssociations...), and draw it as nodes and edges for the panel.

Starting points can be named the way a user thinks of them (a job's name, an endpoint's
name, GROUP/VERSION, a data set's path) or by any ARN; `resolve` turns each into the lineage
entity that stands for it.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import arns
from ..config import Settings
from ..errors import Invalid, NotFound
from ..pages import decode_token, encode_token, page_size, time_filter
from ..shapes.common import NAME_RE
from ..store import Database
from ..store import jobs as jobs_store
from ..store import lineage as store
from ..store.lineage import ASSOCIATION_TYPES, ENTITIES, Association, Entity
from ..store.util import iso
from . import record

DIRECTIONS = ("Ascendants", "Descendants", "Both")
MAX_DEPTH = 10
MAX_VERTICES = 10_000
GRAPH_LIMIT = 2_000  # nodes the panel's graph draws at most
_TYPES_OF_ENTITY = {"artifact": "Artifact", "context": "Context", "action": "Action", "experiment-trial-component": "TrialComponent"}










def _ascending(order: str | None) -> bool:
    if order not in (None, "Ascending", "Descending"):
        raise Invalid(f"SortOrder must be Ascending or Descending, got {order!r}.", field="SortOrder")
    return order == "Ascending"


def resource_of(entity: Entity) -> dict[str, str] | None:
    """The labstudio resource an entity stands for, for a node that opens its own view."""
    source = entity.source_uri or ""
    if entity.entity == "TrialComponent":
        parsed = arns.parse(source)
        if parsed is not None:
            kind = {"training-job": "training-job", "processing-job": "processing-job", "transform-job": "transform-job"}.get(parsed[0])
            if kind:
                return {"kind": kind, "name": parsed[1]}
    parsed = arns.parse(source)
    if parsed is None:
        if entity.type == "Experiment":
            return {"kind": "experiment", "name": entity.properties.get("name", "")}
        if entity.entity == "Artifact" and source.startswith("file://"):
            return {"kind": "file", "name": source[len("file://"):]}
        return None
    kinds = {"model-package": "model-package", "model-package-group": "model-package-group", "endpoint": "endpoint",
             "hyper-parameter-tuning-job": "tuning-job"}
    kind = kinds.get(parsed[0])
    return {"kind": kind, "name": parsed[1]} if kind else None


class LineageService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- naming a starting point ---------------------------------------------------------------------

    def resolve(self, ref: str, field: str = "start") -> str:
        """The lineage entity's ARN for a name or ARN: a lineage ARN as it is; a job (name or ARN),
        an endpoint (its newest context), a model package (ARN or GROUP/VERSION), a group, a tuning
        job, or a data set's path or URI. Raises Invalid (empty) and NotFound (nothing recorded)."""
        if not isinstance(ref, str) or not ref.strip():
            raise Invalid(f"'{field}' must name a job, an endpoint, a model package, a data set or a lineage ARN.", field=field)
        ref = ref.strip()
        with self.db.read() as conn:
            found = self._resolve(conn, ref)
        if found is None:
            raise NotFound(f"No lineage is recorded for {ref!r}: name a training, processing or transform job, an endpoint, a model "
                           "package (GROUP/VERSION or its ARN), a data set's path, or a lineage ARN.", field=field)
        return found

    def _resolve(self, conn: Any, ref: str) -> str | None:
        parsed = arns.parse(ref)
        if parsed is not None:
            kind, resource = parsed
            if kind in _TYPES_OF_ENTITY:
                return ref if store.get_entity(conn, ref) is not None else None
            if kind in ("training-job", "processing-job", "transform-job"):
                job_kind = kind.removesuffix("-job")
                return self._job(conn, job_kind, resource)
            if kind == "endpoint":
                return self._source(conn, "Context", arns.endpoint_arn(resource))
            if kind == "model-package":
                return self._source(conn, "Artifact", arns.model_package_arn(*_split_version(resource)))
            if kind == "model-package-group":
                return self._source(conn, "Context", arns.model_package_group_arn(resource))
            if kind == "hyper-parameter-tuning-job":
                return self._source(conn, "Context", arns.tuning_job_arn(resource))
            return None
        if "/" in ref and "://" not in ref and not ref.startswith("/") and not ref.startswith("."):
            group, _, version = ref.partition("/")
            if NAME_RE.match(group) and version.isdigit():
                return self._source(conn, "Artifact", arns.model_package_arn(group, int(version)))
        if NAME_RE.match(ref):
            job = jobs_store.get_job(conn, ref, with_transitions=False)
            if job is not None:
                return self._job(conn, job.kind, ref)
            for source in (arns.endpoint_arn(ref), arns.model_package_group_arn(ref), arns.tuning_job_arn(ref)):
                found = self._source(conn, "Context", source)
                if found:
                    return found
        return self._source(conn, "Artifact", record.normalize_uri(ref))

    def _job(self, conn: Any, kind: str, name: str) -> str | None:
        arn = record.trial_component_arn(kind, name)
        return arn if store.get_entity(conn, arn) is not None else None

    @staticmethod
    def _source(conn: Any, entity: str, source_uri: str) -> str | None:
        found = store.list_entities(conn, entity=entity, source_uri=source_uri, limit=1)
        return found[0].arn if found else None

    # -- QueryLineage -----------------------------------------------------------------------------------

    def _walk(self, conn: Any, start: Sequence[str], direction: str, max_depth: int) -> tuple[dict[str, int], list[Association]]:
        depth: dict[str, int] = {}
        edges: list[Association] = []
        for upstream in ([True, False] if direction == "Both" else [direction == "Ascendants"]):
            found, walked = store.traverse(conn, start, upstream=upstream, max_depth=max_depth, limit=MAX_VERTICES)
            for arn, level in found.items():
                depth[arn] = min(level, depth.get(arn, level))
            edges.extend(walked)
        return depth, edges

    def query(
        self,
        start_arns: Sequence[str],
        *,
        direction: str = "Both",
        include_edges: bool = True,
        filters: Mapping[str, Any] | None = None,
        max_depth: int = MAX_DEPTH,
    ) -> dict[str, Any]:
        """QueryLineage: the entities reached from `start_arns` (and, with `include_edges`, the
        associations walked). Filters (Types, LineageTypes, CreatedBefore/After, ModifiedBefore/After,
        Properties) choose which entities are returned; the walk goes through every entity."""
        if not start_arns or not isinstance(start_arns, (list, tuple)):
            raise Invalid("StartArns must be a list of one to ten ARNs.", field="StartArns")
        if len(start_arns) > 10:
            raise Invalid(f"StartArns holds {len(start_arns)} ARNs; give at most 10.", field="StartArns")
        if direction not in DIRECTIONS:
            raise Invalid(f"Direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}.", field="Direction")
        if not isinstance(max_depth, int) or isinstance(max_depth, bool) or not 0 <= max_depth <= MAX_DEPTH:
            raise Invalid(f"MaxDepth must be a whole number from 0 to {MAX_DEPTH}, got {max_depth!r}.", field="MaxDepth")
        keep = _filter(filters or {})
        with self.db.read() as conn:
            starts = [self._start(conn, arn) for arn in start_arns]
            depth, edges = self._walk(conn, starts, direction, max_depth)
            entities = store.get_entities(conn, depth)
        # The entities connected to the start: a start entity itself is not one of its own ascendants.
        vertices = [_vertex(entities[arn]) for arn, level in depth.items() if level > 0 and arn in entities and keep(entities[arn])]
        out: dict[str, Any] = {"Vertices": vertices}
        if include_edges:
            seen: set[tuple[str, str]] = set()
            shown = []
            for edge in edges:
                key = (edge.source_arn, edge.destination_arn)
                if key not in seen:
                    seen.add(key)
                    shown.append({"SourceArn": edge.source_arn, "DestinationArn": edge.destination_arn, "AssociationType": edge.association_type})
            out["Edges"] = shown
        else:
            out["Edges"] = []
        return out

    def _start(self, conn: Any, arn: Any) -> str:
        if not isinstance(arn, str):
            raise Invalid(f"StartArns must hold ARNs (strings), got {arn!r}.", field="StartArns")
        found = self._resolve(conn, arn)
        if found is None:
            raise NotFound(f"StartArns: {arn!r} is not a lineage entity this store recorded.", field="StartArns")
        return found

    def graph(self, start: str, *, direction: str = "Both", max_depth: int = MAX_DEPTH) -> dict[str, Any]:
        """The trail around one starting point as nodes and edges (the panel's lineage graph): each
        node says what it is and which labstudio resource it opens."""
        if direction not in DIRECTIONS:
            raise Invalid(f"'direction' must be one of {', '.join(DIRECTIONS)}, got {direction!r}.", field="direction")
        if not 1 <= max_depth <= MAX_DEPTH:
            raise Invalid(f"'max_depth' must be from 1 to {MAX_DEPTH}, got {max_depth}.", field="max_depth")
        arn = self.resolve(start)
        with self.db.read() as conn:
            depth, edges = self._walk(conn, [arn], direction, max_depth)
            truncated = len(depth) > GRAPH_LIMIT
            chosen = dict(sorted(depth.items(), key=lambda kv: kv[1])[:GRAPH_LIMIT])
            entities = store.get_entities(conn, chosen)
        nodes = [_node(entities[a], chosen[a]) for a in chosen if a in entities]
        seen: set[tuple[str, str]] = set()
        links = []
        for edge in edges:
            key = (edge.source_arn, edge.destination_arn)
            if key in seen or edge.source_arn not in entities or edge.destination_arn not in entities:
                continue
            seen.add(key)
            links.append({"source": edge.source_arn, "destination": edge.destination_arn, "type": edge.association_type})
        return {"start": arn, "direction": direction, "nodes": nodes, "edges": links, "truncated": truncated}

    # -- lists and describes, as boto3's sagemaker client answers them ---------------------------------------

    def describe(self, arn: str, entity: str, field: str) -> dict[str, Any]:
        with self.db.read() as conn:
            found = store.get_entity(conn, arn)
        if found is None or found.entity != entity:
            raise NotFound(f"{field} {arn!r} does not exist.", field=field)
        return _described(found)

    @staticmethod
    def arn_of_name(kind: str, name: str) -> str:
        """An action's or context's ARN from its name (DescribeContext takes a name), or the ARN given."""
        parsed = arns.parse(name)
        return name if parsed is not None else arns.arn(kind, name)

    def list_entities(
        self,
        entity: str,
        *,
        source_uri: str | None = None,
        type_: str | None = None,
        created_after: Any = None,
        created_before: Any = None,
        sort_order: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[Entity], str | None]:
        if entity not in ENTITIES:
            raise Invalid(f"unknown lineage entity {entity!r}", field="entity")
        limit = page_size(max_results)
        after = tuple(decode_token(next_token, 2)) if next_token else None
        with self.db.read() as conn:
            found = store.list_entities(
                conn, entity=entity, type_=type_, source_uri=source_uri, created_after=time_filter(created_after, "CreatedAfter"),
                created_before=time_filter(created_before, "CreatedBefore"), ascending=_ascending(sort_order), limit=limit + 1,
                after=after,
            )
        token = encode_token([found[limit - 1].creation_time, found[limit - 1].arn]) if len(found) > limit else None
        return found[:limit], token

    def list_associations(
        self,
        *,
        source_arn: str | None = None,
        destination_arn: str | None = None,
        source_type: str | None = None,
        destination_type: str | None = None,
        association_type: str | None = None,
        created_after: Any = None,
        created_before: Any = None,
        sort_order: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """ListAssociations: each with the names and types of both ends."""
        if association_type is not None and association_type not in ASSOCIATION_TYPES:
            raise Invalid(f"AssociationType must be one of {', '.join(ASSOCIATION_TYPES)}, got {association_type!r}.", field="AssociationType")
        limit = page_size(max_results)
        after = tuple(decode_token(next_token, 3)) if next_token else None
        typed = source_type is not None or destination_type is not None
        with self.db.read() as conn:
            found = store.list_associations(
                conn, source_arn=source_arn, destination_arn=destination_arn, association_type=association_type,
                created_after=time_filter(created_after, "CreatedAfter"), created_before=time_filter(created_before, "CreatedBefore"),
                ascending=_ascending(sort_order), limit=(MAX_VERTICES if typed else limit + 1),
                after=after,
            )
            ends = store.get_entities(conn, [a.source_arn for a in found] + [a.destination_arn for a in found])
        if typed:
            found = [a for a in found if _type_matches(ends.get(a.source_arn), source_type) and _type_matches(ends.get(a.destination_arn), destination_type)]
        more = len(found) > limit
        found = found[:limit]
        token = encode_token([found[-1].creation_time, found[-1].source_arn, found[-1].destination_arn]) if more else None
        return {"AssociationSummaries": [_association(a, ends) for a in found], "NextToken": token}

    def associate(self, source_arn: str, destination_arn: str, association_type: str = "AssociatedWith") -> dict[str, Any]:
        """AddAssociation between two recorded entities."""
        if association_type not in ASSOCIATION_TYPES:
            raise Invalid(f"AssociationType must be one of {', '.join(ASSOCIATION_TYPES)}, got {association_type!r}.", field="AssociationType")

        def body(conn: Any) -> None:
            for arn, field in ((source_arn, "SourceArn"), (destination_arn, "DestinationArn")):
                if store.get_entity(conn, arn) is None:
                    raise NotFound(f"{field} {arn!r} is not a lineage entity this store recorded.", field=field)
            store.associate(conn, [(source_arn, destination_arn, association_type)], time.time())

        self.db.run_write(body)
        return {"SourceArn": source_arn, "DestinationArn": destination_arn}

    def disassociate(self, source_arn: str, destination_arn: str) -> dict[str, Any]:
        if not self.db.run_write(store.disassociate, source_arn, destination_arn):
            raise NotFound(f"There is no association from {source_arn!r} to {destination_arn!r}.", field="SourceArn")
        return {"SourceArn": source_arn, "DestinationArn": destination_arn}

    def create(self, entity: str, name: str, type_: str, *, source_uri: str | None, source_type: str | None = None,
               properties: Mapping[str, str] | None = None) -> str:
        """CreateArtifact / CreateContext / CreateAction: lineage a user records by hand."""
        kind = {"Artifact": "artifact", "Context": "context", "Action": "action"}[entity]
        if entity == "Artifact":
            if not source_uri:
                raise Invalid("Source.SourceUri is required: the URI the artifact stands for.", field="Source")
            arn = record.artifact_arn(type_, source_uri)
        else:
            if not name or not NAME_RE.match(name[:63]) or len(name) > 120:
                raise Invalid(f"{entity}Name {name!r} is invalid: 1 to 120 letters, digits and hyphens.", field=f"{entity}Name")
            arn = arns.arn(kind, name)
        now = time.time()

        def body(conn: Any) -> None:
            if entity != "Artifact" and store.get_entity(conn, arn) is not None:
                raise Invalid(f"A {entity.lower()} named {name!r} already exists.", field=f"{entity}Name")
            store.put_entity(conn, arn, entity, type_, name or (source_uri or "")[-120:], now=now, source_uri=source_uri,
                             source_type=source_type, properties={str(k): str(v) for k, v in (properties or {}).items()})

        self.db.run_write(body)
        return arn

    def trial_component(self, name: str) -> dict[str, Any]:
        """DescribeTrialComponent for a job's trial component (`<job>-aws-training-job`)."""
        arn = name if arns.parse(name) else arns.arn("experiment-trial-component", name)
        with self.db.read() as conn:
            found = store.get_entity(conn, arn)
        if found is None or found.entity != "TrialComponent":
            raise NotFound(f"Trial component {name!r} does not exist.", field="TrialComponentName")
        return {
            "TrialComponentName": found.name,
            "TrialComponentArn": found.arn,
            "DisplayName": found.name,
            "Source": {"SourceArn": found.source_uri, "SourceType": found.source_type},
            "Status": {"PrimaryStatus": found.properties.get("status", "InProgress")},
            "CreationTime": iso(found.creation_time),
            "LastModifiedTime": iso(found.last_modified_time),
            "Parameters": {k.removeprefix("hyperparameters."): {"StringValue": v} for k, v in found.properties.items() if k.startswith("hyperparameters.")},
            "InputArtifacts": {k.split(".")[1]: {"Value": v} for k, v in found.properties.items() if k.startswith("inputs.") and k.endswith(".uri")},
            "OutputArtifacts": {k.split(".")[1]: {"Value": v} for k, v in found.properties.items() if k.startswith("outputs.") and k.endswith(".uri")},
        }

    def trial_components_of(self, source_arn: str) -> dict[str, Any]:
        """ListTrialComponents(SourceArn=job ARN)."""
        with self.db.read() as conn:
            found = store.trial_component_of(conn, source_arn)
        items = [] if found is None else [{
            "TrialComponentName": found.name, "TrialComponentArn": found.arn, "DisplayName": found.name,
            "TrialComponentSource": {"SourceArn": found.source_uri, "SourceType": found.source_type},
            "CreationTime": iso(found.creation_time), "LastModifiedTime": iso(found.last_modified_time),
        }]
        return {"TrialComponentSummaries": items, "NextToken": None}


def _split_version(resource: str) -> tuple[str, int]:
    group, _, version = resource.partition("/")
    return group, int(version) if version.isdigit() else 0


def _type_matches(entity: Entity | None, wanted: str | None) -> bool:
    if wanted is None:
        return True
    return entity is not None and wanted in (entity.type, entity.entity)


def _filter(filters: Mapping[str, Any]) -> Any:
    """The predicate of QueryLineage's Filters."""
    unknown = set(filters) - {"Types", "LineageTypes", "CreatedBefore", "CreatedAfter", "ModifiedBefore", "ModifiedAfter", "Properties"}
    if unknown:
        raise Invalid(f"Filters has unknown key(s) {', '.join(sorted(unknown))}.", field="Filters")
    types = set(filters.get("Types") or [])
    lineage_types = set(filters.get("LineageTypes") or [])
    bad = lineage_types - set(ENTITIES)
    if bad:
        raise Invalid(f"Filters.LineageTypes must hold {', '.join(ENTITIES)}; got {', '.join(sorted(bad))}.", field="Filters.LineageTypes")
    created_before = time_filter(filters.get("CreatedBefore"), "Filters.CreatedBefore")
    created_after = time_filter(filters.get("CreatedAfter"), "Filters.CreatedAfter")
    modified_before = time_filter(filters.get("ModifiedBefore"), "Filters.ModifiedBefore")
    modified_after = time_filter(filters.get("ModifiedAfter"), "Filters.ModifiedAfter")
    properties = dict(filters.get("Properties") or {})

    def keep(entity: Entity) -> bool:
        return (
            (not types or entity.type in types)
            and (not lineage_types or entity.entity in lineage_types)
            and (created_before is None or entity.creation_time < created_before)
            and (created_after is None or entity.creation_time > created_after)
            and (modified_before is None or entity.last_modified_time < modified_before)
            and (modified_after is None or entity.last_modified_time > modified_after)
            and all(entity.properties.get(k) == str(v) for k, v in properties.items())
        )

    return keep


def _vertex(entity: Entity) -> dict[str, Any]:
    return {"Arn": entity.arn, "Type": entity.type, "LineageType": entity.entity}


def _node(entity: Entity, depth: int) -> dict[str, Any]:
    return {
        "arn": entity.arn,
        "entity": entity.entity,
        "type": entity.type,
        "name": entity.name,
        "source_uri": entity.source_uri,
        "properties": entity.properties,
        "creation_time": iso(entity.creation_time),
        "depth": depth,
        "resource": resource_of(entity),
    }


def _described(entity: Entity) -> dict[str, Any]:
    """DescribeArtifact / DescribeContext / DescribeAction."""
    key = {"Artifact": "Artifact", "Context": "Context", "Action": "Action"}.get(entity.entity, entity.entity)
    source: dict[str, Any] = {"SourceUri": entity.source_uri}
    if entity.entity == "Artifact":
        source["SourceTypes"] = [{"SourceIdType": "Custom", "Value": entity.source_type}] if entity.source_type else []
    elif entity.source_type:
        source["SourceType"] = entity.source_type
    out = {
        f"{key}Name": entity.name,
        f"{key}Arn": entity.arn,
        "Source": source,
        f"{key}Type": entity.type,
        "Properties": dict(entity.properties),
        "CreationTime": iso(entity.creation_time),
        "LastModifiedTime": iso(entity.last_modified_time),
    }
    if entity.entity == "Action":
        out["Status"] = "Completed"
    return out


def summaries(entities: Iterable[Entity]) -> list[dict[str, Any]]:
    """ArtifactSummaries / ContextSummaries / ActionSummaries."""
    out = []
    for entity in entities:
        item = _described(entity)
        item.pop("Properties", None)
        out.append(item)
    return out


def _association(a: Association, ends: Mapping[str, Entity]) -> dict[str, Any]:
    src, dst = ends.get(a.source_arn), ends.get(a.destination_arn)
    return {
        "SourceArn": a.source_arn,
        "DestinationArn": a.destination_arn,
        "SourceType": src.type if src else None,
        "DestinationType": dst.type if dst else None,
        "AssociationType": a.association_type,
        "SourceName": src.name if src else None,
        "DestinationName": dst.name if dst else None,
        "CreationTime": iso(a.creation_time),
    }
