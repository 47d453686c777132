import numpy as np
import pytest

from mlcore import encoder


def test_tokenizer_pads_per_batch_not_to_128():
    tok = encoder.tokenizer_load()
    ids, mask = encoder.tokenize(tok, ["hi", "where is my parcel please"])
    assert ids.shape[1] < 16
    assert mask[0].sum() < mask[1].sum()
    long_ids, _ = encoder.tokenize(tok, ["word " * 1000])
    assert long_ids.shape[1] == encoder.MAX_TOKENS


@pytest.mark.slow
def test_int8_onnx_encoder_matches_torch(settings):
    import torch

    texts = ["My package never arrived, order 12345", "how do I change my password?", "Thanks, great service!"]
    onnx_emb = encoder.EncoderSession(path=encoder.encoder_onnx_path()).embed(texts)
    model = encoder.torch_encoder_load()
    ids, mask = encoder.tokenize(encoder.tokenizer_load(), texts)
    with torch.no_grad():
        ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    assert np.allclose(np.linalg.norm(onnx_emb, axis=1), 1, atol=1e-4)
    assert (onnx_emb * ref).sum(1).min() >= 0.98
