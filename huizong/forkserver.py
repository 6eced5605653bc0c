"""Imported first by multiprocessing's forkserver for the reader processes (``huizong.readers.PRELOAD``), and by
nothing else: it ties that process, and every reader it forks, to the life of the run (``huizong.reader_process``)."""

from huizong.reader_process import guard_forkserver

guard_forkserver()
