"""The production URLs plus two bench-only routes; used only when SUPPORTLOOP_BENCH_ROUTES=1."""

from django.urls import path

from bench.bench_views import bench_classify, bench_hello
from config.urls import urlpatterns as production_urlpatterns

urlpatterns = [
    *production_urlpatterns,
    path("bench/hello/", bench_hello, name="bench-hello"),
    path("bench/classify/", bench_classify, name="bench-classify"),
]
