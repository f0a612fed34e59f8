"""The OpenAI-compatible chat client (vLLM, Ollama, llama.cpp) and the prompts zhkg sends it."""
