"""redshift-serverless base URL and path: every call is a POST to / with
``X-Amz-Target: RedshiftServerless.<Operation>`` (JSON 1.1)."""

from .responses import RedshiftServerlessResponse

url_bases = [
    r"https?://redshift-serverless\.(.+)\.amazonaws\.com",
]

url_paths = {
    "{0}/$": RedshiftServerlessResponse.dispatch,
}
