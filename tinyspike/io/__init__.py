"""File safety for every command: outputs checked first, nothing overwritten unasked, run folders locked."""
from .files import OutputError, check_output_file, check_output_folder, os_error_line, remove_stale_temp
from .run_folder import RunFolderLock, prepare_run_folder

__all__ = ["OutputError", "RunFolderLock", "check_output_file", "check_output_folder", "os_error_line",
           "prepare_run_folder", "remove_stale_temp"]
