"""Model registry and lineage drivers written the way SageMaker drivers are, with only their imports
pointing at labstudio: each runs as its own Python process (as `python driver.py` would), trains,
registers, approves, deploys a version and walks its lineage for real; the test reads what it
printed and what the store holds. Also the %register magic in a real kernel."""
from __future__ import annotations

import json

import pytest

from registry_helpers import TRAIN
from sdk_helpers import client, make_notebook, text
from test_sdk_compat_drivers import result, run_driver

REGISTRY_DRIVER = """
import json, os
import pandas as pd
from sklearn.datasets import load_iris

import labstudio as sagemaker                                                   # was: import sagemaker
from labstudio.local import LocalSession                                        # was: from sagemaker.local import LocalSession
from labstudio.sklearn.estimator import SKLearn                                 # was: from sagemaker.sklearn.estimator import SKLearn
from labstudio.sklearn.model import SKLearnPredictor                            # was: from sagemaker.sklearn.model import SKLearnPredictor
from labstudio.model import ModelPackage                                        # was: from sagemaker.model import ModelPackage
from labstudio.model_metrics import ModelMetrics, MetricsSource                 # was: from sagemaker.model_metrics import ...
from labstudio.lineage.query import (                                           # was: from sagemaker.lineage.query import ...
    LineageQuery, LineageFilter, LineageEntityEnum, LineageSourceEnum, LineageQueryDirectionEnum)
from labstudio.lineage.artifact import Artifact                                 # was: from sagemaker.lineage.artifact import Artifact
from labstudio.lineage.association import Association                           # was: from sagemaker.lineage.association import Association
from labstudio.lineage.visualizer import LineageTableVisualizer                 # was: from sagemaker.lineage.visualizer import ...

session = LocalSession()
role = "arn:aws:iam::111111111111:role/service-role/AmazonSageMaker-ExecutionRole-20200101T000001"
X, y = load_iris(return_X_y=True, as_frame=True)
os.makedirs("data", exist_ok=True)
pd.concat([y, X], axis=1).to_csv("data/iris.csv", header=False, index=False)
train_uri = session.upload_data("data", key_prefix="iris/train")

estimator = SKLearn(entry_point="train.py", source_dir="code", framework_version="1.2-1", instance_type="local",
                    role=role, sagemaker_session=session, hyperparameters={"C": 0.5},
                    metric_definitions=[{"Name": "accuracy", "Regex": "accuracy=([0-9.]+)"}])
estimator.fit({"train": train_uri})

json.dump({"multiclass_classification_metrics": {"accuracy": {"value": 0.97, "standard_deviation": 0.01}}}, open("evaluation.json", "w"))
model_metrics = ModelMetrics(model_statistics=MetricsSource(s3_uri=os.path.abspath("evaluation.json"), content_type="application/json"))
package = estimator.register(
    content_types=["text/csv"], response_types=["application/json"], inference_instances=["ml.m5.large"],
    transform_instances=["ml.m5.large"], model_package_group_name="iris-models", approval_status="PendingManualApproval",
    model_metrics=model_metrics, customer_metadata_properties={"owner": "ds-team"}, description="logistic regression",
)
print("arn:", package.model_package_arn)

sm = session.sagemaker_client
described = sm.describe_model_package(ModelPackageName=package.model_package_arn)
print("statistics:", described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
print("model data:", described["InferenceSpecification"]["Containers"][0]["ModelDataUrl"])
sm.update_model_package(ModelPackageArn=package.model_package_arn, ModelApprovalStatus="Approved", ApprovalDescription="passed review")
latest = sm.list_model_packages(ModelPackageGroupName="iris-models", ModelApprovalStatus="Approved",
                                SortBy="CreationTime", SortOrder="Descending", MaxResults=1)["ModelPackageSummaryList"][0]
print("approved:", latest["ModelPackageVersion"], latest["ModelApprovalStatus"])

model = ModelPackage(role=role, model_package_arn=latest["ModelPackageArn"], predictor_cls=SKLearnPredictor, sagemaker_session=session)
predictor = model.deploy(initial_instance_count=1, instance_type="local")
print("predicted:", predictor.predict(X.values[[0, 60, 120]]).tolist())

context = predictor.endpoint_context()
print("context type:", context.context_type)
print("datasets:", json.dumps([a.source.source_uri for a in context.dataset_artifacts()]))
print("training jobs:", json.dumps(context.training_job_arns()))
print("deployed models:", json.dumps(sorted(m.source_type for m in context.models())))
result = LineageQuery(session).query(
    start_arns=[context.context_arn],
    query_filter=LineageFilter(entities=[LineageEntityEnum.ARTIFACT], sources=[LineageSourceEnum.MODEL, LineageSourceEnum.DATASET]),
    direction=LineageQueryDirectionEnum.ASCENDANTS, include_edges=True, max_depth=10)
print("vertices:", json.dumps(sorted(v.lineage_source for v in result.vertices)))
model_artifact = next(v for v in result.vertices if v.lineage_source == "Model").to_lineage_object()
print("model artifact:", type(model_artifact).__name__, model_artifact.source.source_uri)
print("edges:", len(result.edges) > 0)
artifacts = list(Artifact.list(source_uri=package.model_package_arn, sagemaker_session=session))
print("package artifacts:", len(artifacts), artifacts[0].artifact_type)
into = list(Association.list(destination_arn=artifacts[0].artifact_arn, sagemaker_session=session))
print("into package:", json.dumps(sorted((a.source_type, a.association_type) for a in into)))
table = LineageTableVisualizer(session).show(training_job_name=estimator.latest_training_job.name)
print("table columns:", json.dumps(list(table.columns)))
print("table directions:", json.dumps(sorted(set(table["Direction"]))))
by_endpoint = LineageTableVisualizer(session).show(endpoint_arn=predictor.describe()["EndpointArn"])
print("endpoint table:", json.dumps(sorted(by_endpoint["Type"])))
by_package = LineageTableVisualizer(session).show(model_package_arn=package.model_package_arn)
print("package table:", json.dumps(sorted(set(zip(by_package["Direction"], by_package["Type"])))))
print("pipeline:", context.pipeline_execution_arn())
predictor.delete_endpoint()
"""


def test_register_approve_deploy_and_walk_the_lineage(tmp_path, labstudio_home, core) -> None:
    out = run_driver(tmp_path, REGISTRY_DRIVER, {"code/train.py": TRAIN}, timeout=400)
    assert result(out, "arn") == "arn:aws:sagemaker:local:000000000000:model-package/iris-models/1"
    assert result(out, "statistics") == str(tmp_path / "evaluation.json")
    assert result(out, "model data").endswith("/output/model.tar.gz")
    assert result(out, "approved") == "1 Approved"
    assert json.loads(result(out, "predicted")) == [0, 1, 2]
    assert result(out, "context type") == "Endpoint"
    bucket = labstudio_home / "artifacts" / "buckets" / "labstudio-local" / "iris" / "train"
    assert json.loads(result(out, "datasets")) == [f"file://{bucket}"]
    [job] = core.jobs.list()["TrainingJobSummaries"]
    assert json.loads(result(out, "training jobs")) == [f"arn:labstudio:local:training-job/{job['TrainingJobName']}"]
    assert json.loads(result(out, "deployed models")) == ["ModelPackage"]
    assert json.loads(result(out, "vertices")) == ["DataSet", "Model"]
    assert result(out, "model artifact").startswith("ModelArtifact file://") and result(out, "edges") == "True"
    assert result(out, "package artifacts") == "1 ModelPackage"
    assert json.loads(result(out, "into package")) == [["Model", "ContributedTo"]]
    assert json.loads(result(out, "table columns")) == ["Name/Source", "Direction", "Type", "Association Type", "Lineage Type"]
    assert json.loads(result(out, "table directions")) == ["Input", "Output"]
    assert json.loads(result(out, "endpoint table")) == ["ModelDeployment"]
    assert json.loads(result(out, "package table")) == [["Input", "Model"], ["Output", "Approval"], ["Output", "ModelDeployment"],
                                                       ["Output", "ModelGroup"]]
    assert result(out, "pipeline") == "None"
    package = core.registry.describe_package("iris-models/1")
    assert package["ModelApprovalStatus"] == "Approved" and package["CustomerMetadataProperties"] == {"owner": "ds-team"}
    assert package["MetricValues"] == {"accuracy": 0.97}
    assert core.endpoints.list()["Endpoints"] == []


BOTO_DRIVER = """
import json
import botocore.exceptions
from labstudio.local import LocalSession                                        # was: from sagemaker.local import LocalSession

sm = LocalSession().sagemaker_client                                            # was: boto3.client("sagemaker")
print("group:", sm.create_model_package_group(ModelPackageGroupName="boto-group", ModelPackageGroupDescription="from boto")["ModelPackageGroupArn"])
for i in range(3):
    arn = sm.create_model_package(
        ModelPackageGroupName="boto-group", ModelPackageDescription=f"v{i}", ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": "123.dkr.ecr.us-east-1.amazonaws.com/sklearn:1", "ModelDataUrl": MODEL,
                                                "Environment": {"SAGEMAKER_PROGRAM": "train.py", "SAGEMAKER_SUBMIT_DIRECTORY": CODE}}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        CertifyForMarketplace=False,
    )["ModelPackageArn"]
print("last:", arn)
pages, token = [], None
while True:
    kwargs = {"ModelPackageGroupName": "boto-group", "SortBy": "CreationTime", "SortOrder": "Ascending", "MaxResults": 2}
    if token:
        kwargs["NextToken"] = token
    page = sm.list_model_packages(**kwargs)
    pages.append([p["ModelPackageVersion"] for p in page["ModelPackageSummaryList"]])
    token = page.get("NextToken")
    if not token:
        break
print("pages:", json.dumps(pages))
print("describe group:", sm.describe_model_package_group(ModelPackageGroupName="boto-group")["ModelPackageGroupStatus"])
print("by name:", sm.describe_model_package(ModelPackageName="boto-group/2")["ModelPackageVersion"])
sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "v"})
print("metadata:", json.dumps(sm.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"]))

def error(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as exc:
        return f"ClientError {exc.response['Error']['Code']} {exc}"
    except botocore.exceptions.ParamValidationError as exc:
        return "ParamValidationError " + str(exc).replace("\\n", " ")
    return "no error"

print("bad status:", error(sm.update_model_package, ModelPackageArn=arn, ModelApprovalStatus="Accepted"))
print("missing:", error(sm.describe_model_package, ModelPackageName="boto-group/99"))
print("no group:", error(sm.create_model_package, ModelPackageGroupName="nope",
                         InferenceSpecification={"Containers": [{"Image": "x", "ModelDataUrl": MODEL}]}))
print("no archive:", error(sm.create_model_package, ModelPackageGroupName="boto-group",
                           InferenceSpecification={"Containers": [{"Image": "x", "ModelDataUrl": "/nowhere/model.tar.gz"}]}))
print("unknown param:", error(sm.list_model_packages, ModelPackageGroup="boto-group"))
print("missing param:", error(sm.describe_model_package_group))
print("wrong type:", error(sm.list_model_packages, MaxResults="ten"))
print("delete non-empty:", error(sm.delete_model_package_group, ModelPackageGroupName="boto-group"))
try:
    sm.describe_model_package(ModelPackageName="boto-group/99")
except ValueError as exc:
    print("a ValueError too:", type(exc).__name__)
"""


def test_boto_shaped_client_calls_and_errors(tmp_path, core) -> None:
    from registry_helpers import train

    job = train(core, tmp_path / "project", name="fit-boto")
    model = core.jobs.get(job).model_artifact
    code = str(tmp_path / "project" / "code")
    out = run_driver(tmp_path, f"MODEL = {model!r}\nCODE = {code!r}\n" + BOTO_DRIVER, {})
    assert result(out, "group") == "arn:aws:sagemaker:local:000000000000:model-package-group/boto-group"
    assert result(out, "last") == "arn:aws:sagemaker:local:000000000000:model-package/boto-group/3"
    assert json.loads(result(out, "pages")) == [[1, 2], [3]]
    assert result(out, "describe group") == "Completed" and result(out, "by name") == "2"
    assert json.loads(result(out, "metadata")) == {"k": "v"}
    assert result(out, "bad status").startswith("ClientError ValidationException An error occurred (ValidationException) when calling "
                                                "the UpdateModelPackage operation: 'ModelApprovalStatus'")
    assert result(out, "missing").startswith("ClientError ResourceNotFound") and "versions are 1 to 3" in result(out, "missing")
    assert result(out, "no group").startswith("ClientError ResourceNotFound") and "group 'nope' does not exist" in result(out, "no group")
    assert result(out, "no archive").startswith("ClientError ValidationException") and "ModelDataUrl" in result(out, "no archive")
    assert result(out, "unknown param") == ('ParamValidationError Parameter validation failed: Unknown parameter in input: '
                                            '"ModelPackageGroup", must be one of: MaxResults, NextToken, SortBy, SortOrder, '
                                            'CreationTimeAfter, CreationTimeBefore, NameContains, ModelApprovalStatus, '
                                            'ModelPackageGroupName, ModelPackageType')
    assert 'Missing required parameter in input: "ModelPackageGroupName"' in result(out, "missing param")
    assert "Invalid type for parameter MaxResults" in result(out, "wrong type")
    assert result(out, "delete non-empty").startswith("ClientError ConflictException") and "holds 3" in result(out, "delete non-empty")
    assert result(out, "a ValueError too") == "ClientError"
    assert core.registry.describe_group("boto-group")["VersionCount"] == 3


def test_register_magic_in_a_notebook(tmp_path, core) -> None:
    from registry_helpers import train

    job = train(core, tmp_path / "project", name="fit-magic")
    (tmp_path / "eval.json").write_text(json.dumps({"accuracy": 0.8}))
    nb = make_notebook(
        "%load_ext labstudio",
        f"package = %register {job} --group magic --approval Approved --metrics eval.json\nprint(package.model_package_arn)",
        "%register no-such-job --group magic",
        raises=(2,),
    )
    client(nb, tmp_path).execute()
    registered = text(nb.cells[1])
    assert f"Registered {job} as magic/1 (Approved)" in registered
    assert "arn:aws:sagemaker:local:000000000000:model-package/magic/1" in registered
    failed = text(nb.cells[2])
    assert "UsageError" in failed and "%register" in failed and "no-such-job" in failed
    assert core.registry.describe_package("magic/1")["MetricValues"] == {"accuracy": 0.8}


MODEL_DRIVER = """
import os
from labstudio.sklearn.model import SKLearnModel                                # was: from sagemaker.sklearn.model import SKLearnModel
from labstudio.model import ModelPackage                                        # was: from sagemaker.model import ModelPackage

model = SKLearnModel(model_data=MODEL, entry_point="train.py", source_dir=CODE, framework_version="1.2-1",
                     role="arn:aws:iam::111111111111:role/x")
package = model.register(content_types=["text/csv"], response_types=["text/csv"], inference_instances=["ml.m5.large"],
                         transform_instances=["ml.m5.large"], model_package_group_name="batch-models", approval_status="Approved")
print("arn:", package.model_package_arn)
print("deploy without predictor_cls:", ModelPackage(role="x", model_package_arn=package.model_package_arn).deploy(
    initial_instance_count=1, instance_type="local", endpoint_name="no-predictor"))
open("batch.csv", "w").write("1,1\\n19,2\\n")
transformer = package.transformer(instance_count=1, instance_type="local", output_path=os.path.abspath("scored"), accept="text/csv")
transformer.transform(os.path.abspath("batch.csv"), content_type="text/csv", split_type="Line")
print("scored:", open("scored/batch.csv.out").read().split())
"""


def test_model_register_then_batch_transform_with_the_package(tmp_path, core) -> None:
    from registry_helpers import train

    job = train(core, tmp_path / "project", name="fit-model")
    model = core.jobs.get(job).model_artifact
    out = run_driver(tmp_path, f"MODEL = {model!r}\nCODE = {str(tmp_path / 'project' / 'code')!r}\n" + MODEL_DRIVER, {})
    assert result(out, "arn") == "arn:aws:sagemaker:local:000000000000:model-package/batch-models/1"
    assert result(out, "deploy without predictor_cls") == "None"
    assert result(out, "scored") == "['0', '1']"
    described = core.registry.describe_package("batch-models/1")
    assert described["TrainingJobName"] == job and described["ModelApprovalStatus"] == "Approved"
    assert described["InferenceSpecification"]["SupportedTransformInstanceTypes"] == ["ml.m5.large"]
    [endpoint] = core.endpoints.list()["Endpoints"]
    assert endpoint["EndpointName"] == "no-predictor" and endpoint["EndpointStatus"] == "InService"
    core.endpoints.delete("no-predictor")


@pytest.mark.parametrize("path", ["model_metrics", "lineage.query", "lineage.artifact", "lineage.context", "lineage.action",
                                  "lineage.association", "lineage.visualizer", "lineage.lineage_trial_component"])
def test_the_sagemaker_module_paths_import(path: str) -> None:
    import importlib

    names = {
        "model_metrics": ["ModelMetrics", "MetricsSource", "FileSource"],
        "lineage.query": ["LineageQuery", "LineageFilter", "LineageQueryDirectionEnum", "LineageEntityEnum", "LineageSourceEnum", "Vertex", "Edge"],
        "lineage.artifact": ["Artifact", "ModelArtifact", "DatasetArtifact"],
        "lineage.context": ["Context", "EndpointContext", "ModelPackageGroup"],
        "lineage.action": ["Action", "ModelPackageApprovalAction"],
        "lineage.association": ["Association"],
        "lineage.visualizer": ["LineageTableVisualizer"],
        "lineage.lineage_trial_component": ["LineageTrialComponent"],
    }[path]
    module = importlib.import_module(f"labstudio.{path}")
    assert [n for n in names if not hasattr(module, n)] == []
    from labstudio.model import ModelPackage

    with pytest.raises(ValueError, match="model_package_arn"):
        ModelPackage(role="x")
