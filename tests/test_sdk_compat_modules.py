"""The SageMaker SDK's module tree under labstudio: every path a driver imports exists, and each
public name does its local job (sessions and buckets, S3 copies, serializers, placeholders,
framework estimators that name the package they need)."""
from __future__ import annotations

import importlib
import io
import sys
import warnings
from pathlib import Path

import pytest

import labstudio
from labstudio.sdk.compat import SageMakerArgumentWarning

# sagemaker.<path> -> the names drivers import from it (issue 13, item 1).
MODULES = {
    "predictor": ["Predictor", "RealTimePredictor", "csv_serializer", "json_serializer", "npy_serializer",
                  "csv_deserializer", "json_deserializer", "numpy_deserializer", "CSVSerializer", "JSONDeserializer"],
    "inputs": ["TrainingInput"],
    "estimator": ["Estimator", "EstimatorBase", "Framework"],
    "model": ["Model", "FrameworkModel"],
    "session": ["Session", "LocalSession", "get_execution_role"],
    "local": ["LocalSession", "LocalNoS3Session", "LocalSagemakerClient", "LocalSagemakerRuntimeClient"],
    "s3": ["S3Uploader", "S3Downloader", "parse_s3_url", "s3_path_join"],
    "serializers": ["CSVSerializer", "JSONSerializer", "NumpySerializer", "LibSVMSerializer", "IdentitySerializer",
                    "csv_serializer", "json_serializer", "npy_serializer"],
    "deserializers": ["CSVDeserializer", "JSONDeserializer", "NumpyDeserializer", "BytesDeserializer",
                      "csv_deserializer", "json_deserializer", "numpy_deserializer"],
    "sklearn": ["SKLearn", "SKLearnModel", "SKLearnPredictor"],
    "sklearn.estimator": ["SKLearn"],
    "sklearn.model": ["SKLearnModel", "SKLearnPredictor"],
    "xgboost": ["XGBoost", "XGBoostModel", "XGBoostPredictor"],
    "xgboost.estimator": ["XGBoost"],
    "xgboost.model": ["XGBoostModel", "XGBoostPredictor"],
    "pytorch": ["PyTorch", "PyTorchModel", "PyTorchPredictor"],
    "pytorch.estimator": ["PyTorch"],
    "pytorch.model": ["PyTorchModel", "PyTorchPredictor"],
    "tensorflow": ["TensorFlow", "TensorFlowModel", "TensorFlowPredictor"],
    "tensorflow.estimator": ["TensorFlow"],
    "tensorflow.model": ["TensorFlowModel", "TensorFlowPredictor"],
    "huggingface": ["HuggingFace", "HuggingFaceModel", "HuggingFacePredictor"],
    "huggingface.estimator": ["HuggingFace"],
    "huggingface.model": ["HuggingFaceModel", "HuggingFacePredictor"],
    "image_uris": ["retrieve"],
    # processing, tuning and batch transform have their own modules and tests; here only their import paths
    "processing": ["Processor", "ScriptProcessor", "FrameworkProcessor", "ProcessingInput", "ProcessingOutput"],
    "sklearn.processing": ["SKLearnProcessor"],
    "tuner": ["HyperparameterTuner", "ContinuousParameter", "IntegerParameter", "CategoricalParameter"],
    "transformer": ["Transformer"],
    "automl.automl": ["AutoML", "AutoMLInput", "AutoMLJob"],
    "utils": ["name_from_base", "unique_name_from_base", "sagemaker_timestamp", "base_name_from_image"],
    # asynchronous and serverless inference (issue 25)
    "async_inference": ["AsyncInferenceConfig", "AsyncInferenceResponse", "WaiterConfig"],
    "async_inference.async_inference_config": ["AsyncInferenceConfig"],
    "async_inference.async_inference_response": ["AsyncInferenceResponse"],
    "async_inference.waiter_config": ["WaiterConfig"],
    "predictor_async": ["AsyncPredictor"],
    "serverless": ["ServerlessInferenceConfig"],
    "serverless.serverless_inference_config": ["ServerlessInferenceConfig"],
    "exceptions": ["UnexpectedStatusException", "ModelError", "AsyncInferenceError", "AsyncInferenceModelError", "ObjectNotExistedError",
                   "PollingTimeoutError", "UnexpectedClientError"],
}
TOP_LEVEL = ["Session", "LocalSession", "get_execution_role", "image_uris", "Estimator", "Model", "Predictor", "TrainingInput",
             "estimator", "model", "predictor", "inputs", "session", "s3", "utils", "serializers", "deserializers", "local",
             "sklearn", "xgboost", "pytorch", "tensorflow", "huggingface", "AutoML", "AutoMLInput"]


@pytest.mark.parametrize("path", sorted(MODULES))
def test_every_sdk_module_path_imports_with_its_names(path: str) -> None:
    module = importlib.import_module(f"labstudio.{path}")
    missing = [name for name in MODULES[path] if not hasattr(module, name)]
    assert missing == [], f"labstudio.{path} lacks {missing}"


def test_top_level_names_and_modules_are_attributes_of_labstudio() -> None:
    for name in TOP_LEVEL:
        assert getattr(labstudio, name) is not None, name
    assert labstudio.session.Session is labstudio.Session
    assert issubclass(labstudio.LocalSession, labstudio.Session)


def test_v1_serde_objects_work_and_warn_once_with_the_v2_name() -> None:
    from labstudio.deserializers import json_deserializer
    from labstudio.predictor import csv_serializer

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert csv_serializer.serialize([[1, 2], [3, 4]]) == "1,2\n3,4"
        assert csv_serializer.serialize([5, 6]) == "5,6"
        assert json_deserializer.deserialize(io.BytesIO(b'{"a": [1]}'), "application/json") == {"a": [1]}
    messages = [str(w.message) for w in record if issubclass(w.category, DeprecationWarning)]
    assert messages == [
        "csv_serializer is deprecated since SageMaker SDK v2; use CSVSerializer() instead.",
        "json_deserializer is deprecated since SageMaker SDK v2; use JSONDeserializer() instead.",
    ]
    assert csv_serializer.CONTENT_TYPE == "text/csv"
    with pytest.warns(DeprecationWarning, match="renamed Predictor"):
        assert isinstance(labstudio.predictor.RealTimePredictor("ep"), labstudio.Predictor)


def test_libsvm_serializer_and_xgboost_predictor_defaults_are_sagemakers() -> None:
    from labstudio.serializers import LibSVMSerializer
    from labstudio.xgboost import XGBoostPredictor

    ser = LibSVMSerializer()
    assert ser.CONTENT_TYPE == "text/libsvm"
    assert ser.serialize("0 1:0.5 3:2") == "0 1:0.5 3:2"
    assert ser.serialize(io.StringIO("1 2:3")) == "1 2:3"
    with pytest.raises(ValueError, match="LibSVM text"):
        ser.serialize([[1.0, 2.0]])
    predictor = XGBoostPredictor("ep")
    assert predictor.content_type == "text/libsvm" and predictor.accept == ("text/csv",)
    assert labstudio.tensorflow.TensorFlowPredictor("ep").content_type == "application/json"
    assert labstudio.huggingface.HuggingFacePredictor("ep").accept == ("application/json",)


def test_session_buckets_live_in_the_artifact_store(tmp_path: Path, labstudio_home: Path) -> None:
    session = labstudio.local.LocalSession()
    assert session.config == {"local": {"local_code": True}} and session.local_mode
    assert session.default_bucket() == "labstudio-local"
    assert isinstance(session.boto_region_name, str) and session.boto_session.region_name == session.boto_region_name
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "train.csv").write_text("1,2\n")
    (data / "sub" / "more.csv").write_text("3,4\n")

    folder_uri = session.upload_data(str(data), key_prefix="iris/train")
    bucket_dir = labstudio_home / "artifacts" / "buckets" / "labstudio-local"
    assert folder_uri == f"file://{bucket_dir / 'iris' / 'train'}"
    assert (bucket_dir / "iris" / "train" / "sub" / "more.csv").read_text() == "3,4\n"
    file_uri = session.upload_data(str(data / "train.csv"), bucket="my-bucket", key_prefix="x")
    assert file_uri == f"file://{labstudio_home / 'artifacts' / 'buckets' / 'my-bucket' / 'x' / 'train.csv'}"

    assert session.list_s3_files("labstudio-local", "iris") == ["iris/train/sub/more.csv", "iris/train/train.csv"]
    assert session.read_s3_file("my-bucket", "x/train.csv") == "1,2\n"
    got = session.download_data(str(tmp_path / "back"), "labstudio-local", "iris/train")
    assert sorted(Path(p).relative_to(tmp_path / "back").as_posix() for p in got) == ["sub/more.csv", "train.csv"]

    with pytest.raises(ValueError, match="does not exist"):
        session.upload_data(str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="bucket 'Bad_Bucket' is not a valid bucket name"):
        session.upload_data(str(data), bucket="Bad_Bucket")
    with pytest.raises(ValueError, match="climbs out"):
        session.upload_data(str(data), key_prefix="../../etc")
    with pytest.raises(AttributeError, match="sagemaker_client.create_notebook_instance is an AWS API call with no local equivalent"):
        session.sagemaker_client.create_notebook_instance(NotebookInstanceName="x")
    with pytest.raises(ValueError, match=r"boto_session.client\('s3'\) would call AWS"):
        session.boto_session.client("s3")


def test_session_uploads_follow_a_remote_artifact_store(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the artifact store on a remote fsspec URL (s3:// in production; memory:// here, which
    needs no network), an upload goes there and its URI is in that scheme."""
    import fsspec

    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", "memory://labstudio-test-store")
    (tmp_path / "x.csv").write_text("1,2\n")
    session = labstudio.Session()
    uri = session.upload_data(str(tmp_path / "x.csv"), key_prefix="d")
    assert uri == "memory://labstudio-test-store/buckets/labstudio-local/d/x.csv"
    assert fsspec.filesystem("memory").cat(uri) == b"1,2\n"
    assert session.list_s3_files("labstudio-local", "d") == ["d/x.csv"]
    fsspec.filesystem("memory").rm("labstudio-test-store", recursive=True)


def test_s3_uploader_and_downloader_over_local_paths_and_file_uris(tmp_path: Path) -> None:
    from labstudio.s3 import S3Downloader, S3Uploader, parse_s3_url, s3_path_join

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("alpha")
    (src / "b.txt").write_text("beta")
    store = tmp_path / "store"
    assert S3Uploader.upload(str(src / "a.txt"), str(store / "one")) == str(store / "one" / "a.txt")
    uri = S3Uploader.upload(str(src), f"file://{store}/all")
    assert uri == f"file://{store}/all"
    assert S3Downloader.list(uri) == [f"file://{store}/all/a.txt", f"file://{store}/all/b.txt"]
    assert S3Downloader.read_file(f"{uri}/b.txt") == "beta"
    S3Uploader.upload_string_as_file_body("gamma", f"{uri}/c.txt")
    S3Uploader.upload_bytes(io.BytesIO(b"\x00\x01"), str(store / "bytes.bin"))
    assert S3Downloader.read_bytes(str(store / "bytes.bin")) == b"\x00\x01"
    got = S3Downloader.download(uri, str(tmp_path / "out"))
    assert sorted(Path(p).name for p in got) == ["a.txt", "b.txt", "c.txt"]
    assert (tmp_path / "out" / "c.txt").read_text() == "gamma"
    assert parse_s3_url("s3://bucket/key/x") == ("bucket", "key/x")
    assert s3_path_join("s3://bucket/", "/a/", "b") == "s3://bucket/a/b"
    with pytest.raises(ValueError, match="does not exist"):
        S3Downloader.download(str(store / "missing"), str(tmp_path / "out"))
    if importlib.util.find_spec("s3fs") is None:
        with pytest.raises(ValueError, match="pip install s3fs"):
            S3Downloader.list("s3://bucket/prefix")


def test_aws_only_names_return_placeholders_with_one_warning() -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        role = labstudio.get_execution_role()
        image = labstudio.image_uris.retrieve("xgboost", region="us-east-1", version="1.7-1")
    found = [w for w in record if issubclass(w.category, SageMakerArgumentWarning)]
    assert len(found) == 2 and all(w.filename == __file__ for w in found)
    assert role.startswith("arn:aws:iam::") and "placeholder" in str(found[0].message)
    assert image == "labstudio-local/xgboost:1.7-1" and "ignore image_uri" in str(found[1].message)
    # the placeholders go where a driver puts them: ignored with the usual warning, nothing breaks
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        labstudio.xgboost.XGBoost("train.py", image_uri=image, role=role)


def test_utils_names() -> None:
    from labstudio import utils

    name = utils.name_from_base("my-job")
    assert name.startswith("my-job-") and len(name) == len("my-job-") + len("2026-01-01-00-00-00-000")
    assert len(utils.name_from_base("x" * 100)) == 63
    assert utils.name_from_base("j", short=True).count("-") == 2
    first, second = utils.unique_name_from_base("run"), utils.unique_name_from_base("run")
    assert first.startswith("run-") and first != second
    assert utils.base_name_from_image("123.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.2-1") == "sklearn"


def test_tensorflow_names_the_package_to_install_at_fit_and_deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.tensorflow import TensorFlow, TensorFlowModel

    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if absent: find_spec() answers None

    with pytest.warns(SageMakerArgumentWarning):
        est = TensorFlow(entry_point="train.py", framework_version="2.16", py_version="py310", model_dir="/opt/ml/model",
                         instance_type="local", instance_count=1, role="r")
    assert est.hyperparameters() == {"model_dir": "/opt/ml/model"}
    with pytest.raises(ValueError, match=r"TensorFlow.fit\(\) needs tensorflow .*`pip install tensorflow`"):
        est.fit(str(tmp_path))
    with pytest.raises(ValueError, match=r"TensorFlowModel.deploy\(\) needs tensorflow .*`pip install tensorflow`"):
        TensorFlowModel(model_data=str(tmp_path)).deploy(1, "local")


def test_huggingface_names_the_package_to_install_at_fit_and_deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.huggingface import HuggingFace, HuggingFaceModel

    monkeypatch.setitem(sys.modules, "transformers", None)  # as if absent: find_spec() answers None

    with pytest.warns(SageMakerArgumentWarning):
        est = HuggingFace(entry_point="train.py", transformers_version="4.26", pytorch_version="1.13", py_version="py39",
                          instance_type="local", role="r")
    with pytest.raises(ValueError, match=r"HuggingFace.fit\(\) needs transformers .*`pip install transformers`"):
        est.fit({"train": str(tmp_path)})
    with pytest.raises(ValueError, match=r"HuggingFaceModel.deploy\(\) needs transformers .*`pip install transformers`"):
        HuggingFaceModel(model_data=str(tmp_path)).deploy(initial_instance_count=1, instance_type="local")
