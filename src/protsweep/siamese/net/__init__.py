"""The pair network (PyTorch): CNN+Transformer encoders, pair heads, losses."""
