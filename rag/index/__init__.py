"""Indexing and search: embeddings, the FAISS vector store (through llama-index), French BM25, the
persisted index with its manifest, and hybrid retrieval."""
