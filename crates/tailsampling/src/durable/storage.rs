//! The [`Storage`] trait, the only way the log touches files, and its two implementations:
//! [`FsStorage`] (a directory, through `std::fs`) and [`SimStorage`] (an in-memory disk for
//! deterministic simulation tests, in the FoundationDB / TigerBeetle style, with injectable
//! faults: torn writes at a crash, fsync failures, a full disk, short reads, bit flips).
//!
//! The contract every implementation keeps, and the log relies on:
//! - [`Storage::create`], [`Storage::remove`] and [`Storage::truncate`] are durable when they
//!   return (the directory, or the file, is synced): only appended bytes can be lost in a crash.
//! - [`StorageFile::append`] may have written a prefix of its bytes when it fails.
//! - [`StorageFile::sync`] puts every byte appended so far on stable storage (`fdatasync`).
//! - [`Storage::lock`] takes the directory's exclusive lock, held while the storage lives.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

/// The files of one directory, as the log sees them.
pub trait Storage: Send + Sync {
    /// A file open for appending.
    type File: StorageFile;

    /// The directory's regular files: name and length, in no particular order.
    fn list(&self) -> io::Result<Vec<(String, u64)>>;
    /// Creates the file `name`, which must not exist, and syncs the directory.
    fn create(&self, name: &str) -> io::Result<Self::File>;
    /// Opens the existing file `name` for appending at its end.
    fn open(&self, name: &str) -> io::Result<Self::File>;
    /// Reads at most `len` bytes of `name` from `offset` (fewer at the end of the file; a short
    /// read is the caller's to notice).
    fn read(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// Cuts `name` to `len` bytes and syncs it.
    fn truncate(&self, name: &str, len: u64) -> io::Result<()>;
    /// Removes `name` and syncs the directory.
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Takes the directory's exclusive lock for as long as this storage lives; an error of kind
    /// [`ErrorKind::WouldBlock`] when another live storage (another process) holds it.
    fn lock(&self) -> io::Result<()>;
}

/// A file open for appending; shared between threads (a sync may run while another thread
/// appends).
pub trait StorageFile: Send + Sync {
    /// Appends `bytes` at the end of the file (not yet durable).
    fn append(&self, bytes: &[u8]) -> io::Result<()>;
    /// Puts every byte appended so far on stable storage.
    fn sync(&self) -> io::Result<()>;
}

/// The name of the lock file in a [`FsStorage`] directory.
pub const LOCK: &str = "LOCK";

/// A directory on the file system.
#[derive(Debug)]
pub struct FsStorage {
    dir: PathBuf,
    lock: Mutex<Option<File>>,
}

impl FsStorage {
    /// The directory `dir`, created (with its parents) if it does not exist.
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(FsStorage {
            dir,
            lock: Mutex::new(None),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sync_dir(&self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }
}

impl StorageFile for File {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        (&*self).write_all(bytes)
    }

    fn sync(&self) -> io::Result<()> {
        self.sync_data()
    }
}

impl Storage for FsStorage {
    type File = File;

    fn list(&self) -> io::Result<Vec<(String, u64)>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if let (true, Ok(name)) = (meta.is_file(), entry.file_name().into_string()) {
                files.push((name, meta.len()));
            }
        }
        Ok(files)
    }

    fn create(&self, name: &str) -> io::Result<File> {
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(self.dir.join(name))?;
        self.sync_dir()?;
        Ok(file)
    }

    fn open(&self, name: &str) -> io::Result<File> {
        OpenOptions::new().append(true).open(self.dir.join(name))
    }

    fn read(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut file = File::open(self.dir.join(name))?;
        file.seek(SeekFrom::Start(offset))?;
        let mut out = Vec::with_capacity(len);
        file.take(len as u64).read_to_end(&mut out)?;
        Ok(out)
    }

    fn truncate(&self, name: &str, len: u64) -> io::Result<()> {
        let file = OpenOptions::new().write(true).open(self.dir.join(name))?;
        file.set_len(len)?;
        file.sync_data()
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        std::fs::remove_file(self.dir.join(name))?;
        self.sync_dir()
    }

    fn lock(&self) -> io::Result<()> {
        let mut held = self.lock.lock();
        if held.is_none() {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(self.dir.join(LOCK))?;
            match file.try_lock() {
                Ok(()) => *held = Some(file),
                Err(TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        ErrorKind::WouldBlock,
                        format!("{} is locked by another process", self.dir.display()),
                    ))
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        Ok(())
    }
}

/// One simulated file: its bytes, and how many of them are on stable storage.
#[derive(Clone, Debug, Default)]
struct SimFile {
    data: Vec<u8>,
    synced: usize,
    /// The bytes a failed sync lost (`start..end`): as Linux does after a writeback error, the
    /// pages are marked clean, a later sync reports success, and a crash finds zeros there.
    lost: Option<(usize, usize)>,
}

/// The simulated disk, shared by a [`SimDisk`] and every [`SimStorage`] over it.
#[derive(Debug)]
struct Disk {
    files: BTreeMap<String, SimFile>,
    /// Incremented by each crash: storages (and their files) of an older epoch are dead.
    epoch: u64,
    /// The storage holding the lock, by id.
    locked_by: Option<u64>,
    next_id: u64,
    /// xorshift64* state: the only source of choices.
    rng: u64,
    fail_syncs: bool,
    space: Option<u64>,
    short_read: Option<usize>,
    sync_delay: Duration,
    syncs: u64,
}

impl Disk {
    fn alive(&self, epoch: u64) -> io::Result<()> {
        if epoch == self.epoch {
            Ok(())
        } else {
            Err(io::Error::other("simulated process has crashed"))
        }
    }

    fn file(&mut self, name: &str) -> io::Result<&mut SimFile> {
        self.files
            .get_mut(name)
            .ok_or_else(|| io::Error::new(ErrorKind::NotFound, name.to_owned()))
    }

    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn crash(&mut self, mut keep: impl FnMut(&mut Self, usize) -> usize) {
        self.epoch += 1;
        self.locked_by = None;
        let mut files = std::mem::take(&mut self.files);
        for file in files.values_mut() {
            let unsynced = file.data.len() - file.synced;
            let kept = keep(self, unsynced).min(unsynced);
            file.data.truncate(file.synced + kept);
            file.synced = file.data.len();
            if let Some((start, end)) = file.lost.take() {
                let end = end.min(file.data.len());
                file.data[start.min(end)..end].fill(0);
            }
        }
        self.files = files;
    }
}

/// A deterministic in-memory disk: the test's handle, to make [`SimStorage`]s over it (a
/// process's view), crash it and inject faults. Cloning shares the disk.
#[derive(Clone, Debug)]
pub struct SimDisk(Arc<Mutex<Disk>>);

impl SimDisk {
    /// An empty disk whose random choices (the torn prefix at [`SimDisk::crash`]) follow `seed`.
    pub fn new(seed: u64) -> Self {
        SimDisk(Arc::new(Mutex::new(Disk {
            files: BTreeMap::new(),
            epoch: 0,
            locked_by: None,
            next_id: 0,
            rng: seed | 1,
            fail_syncs: false,
            space: None,
            short_read: None,
            sync_delay: Duration::ZERO,
            syncs: 0,
        })))
    }

    /// A storage over this disk, as a process opening the directory.
    pub fn storage(&self) -> SimStorage {
        let mut disk = self.0.lock();
        disk.next_id += 1;
        SimStorage {
            disk: self.0.clone(),
            epoch: disk.epoch,
            id: disk.next_id,
        }
    }

    /// A crash of the process (or the machine): every storage made before is dead (its calls
    /// fail), the lock is free, and each file keeps its synced bytes plus a prefix of its
    /// unsynced ones of a length chosen by the seed (a torn write).
    pub fn crash(&self) {
        self.0
            .lock()
            .crash(|disk, unsynced| (disk.random() % (unsynced as u64 + 1)) as usize);
    }

    /// [`SimDisk::crash`], keeping exactly `torn` unsynced bytes of each file (all of them when
    /// fewer): a torn write at byte `torn`.
    pub fn crash_keeping(&self, torn: usize) {
        self.0.lock().crash(|_, _| torn);
    }

    /// From now on, every sync fails (`true`) or works (`false`). A failed sync loses the
    /// file's unsynced bytes as Linux may: a later sync succeeds, yet after a crash those bytes
    /// are zeros (why a failed sync must never be retried).
    pub fn fail_syncs(&self, fail: bool) {
        self.0.lock().fail_syncs = fail;
    }

    /// The free space: `Some(n)` lets `n` more bytes be appended, the next append past them
    /// writes what fits and fails with [`ErrorKind::StorageFull`]; truncating and removing give
    /// space back. `None`: unlimited.
    pub fn set_space(&self, space: Option<u64>) {
        self.0.lock().space = space;
    }

    /// `Some(n)`: every read returns at most `n` bytes. `None`: reads are whole.
    pub fn set_short_read(&self, max: Option<usize>) {
        self.0.lock().short_read = max;
    }

    /// Flips bit `bit` (0..8) of the byte at `offset` of `name`, synced or not (media
    /// corruption). Panics if there is no such byte: the test asked for something impossible.
    pub fn flip_bit(&self, name: &str, offset: usize, bit: u8) {
        let mut disk = self.0.lock();
        let file = disk.files.get_mut(name).expect("flip_bit: no such file");
        file.data[offset] ^= 1 << bit;
    }

    /// Every sync takes `delay` (outside the disk's lock), as a real fsync takes time; it makes
    /// durable the bytes appended before it started.
    pub fn set_sync_delay(&self, delay: Duration) {
        self.0.lock().sync_delay = delay;
    }

    /// The files and their lengths, sorted by name.
    pub fn files(&self) -> Vec<(String, usize)> {
        let disk = self.0.lock();
        disk.files
            .iter()
            .map(|(name, file)| (name.clone(), file.data.len()))
            .collect()
    }

    /// How many syncs succeeded so far.
    pub fn syncs(&self) -> u64 {
        self.0.lock().syncs
    }
}

/// A process's view of a [`SimDisk`]: dead after the disk crashes; releases the lock when
/// dropped.
#[derive(Debug)]
pub struct SimStorage {
    disk: Arc<Mutex<Disk>>,
    epoch: u64,
    id: u64,
}

/// A file of a [`SimStorage`].
#[derive(Debug)]
pub struct SimStorageFile {
    disk: Arc<Mutex<Disk>>,
    epoch: u64,
    name: String,
}

impl StorageFile for SimStorageFile {
    fn append(&self, bytes: &[u8]) -> io::Result<()> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        let fits = disk
            .space
            .map_or(bytes.len(), |space| bytes.len().min(space as usize));
        if let Some(space) = &mut disk.space {
            *space -= fits as u64;
        }
        disk.file(&self.name)?
            .data
            .extend_from_slice(&bytes[..fits]);
        if fits < bytes.len() {
            return Err(io::Error::new(
                ErrorKind::StorageFull,
                "simulated disk is full",
            ));
        }
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        if disk.fail_syncs {
            let file = disk.file(&self.name)?;
            file.lost = file.lost.or(Some((file.synced, file.data.len())));
            return Err(io::Error::other("simulated fsync failure"));
        }
        let len = disk.file(&self.name)?.data.len();
        let delay = disk.sync_delay;
        if !delay.is_zero() {
            drop(disk);
            std::thread::sleep(delay);
            disk = self.disk.lock();
            disk.alive(self.epoch)?;
        }
        let file = disk.file(&self.name)?;
        file.synced = file.synced.max(len.min(file.data.len()));
        disk.syncs += 1;
        Ok(())
    }
}

impl SimStorage {
    fn file(&self, name: &str) -> SimStorageFile {
        SimStorageFile {
            disk: self.disk.clone(),
            epoch: self.epoch,
            name: name.to_owned(),
        }
    }
}

impl Storage for SimStorage {
    type File = SimStorageFile;

    fn list(&self) -> io::Result<Vec<(String, u64)>> {
        let disk = self.disk.lock();
        disk.alive(self.epoch)?;
        Ok(disk
            .files
            .iter()
            .map(|(name, file)| (name.clone(), file.data.len() as u64))
            .collect())
    }

    fn create(&self, name: &str) -> io::Result<SimStorageFile> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        if disk.files.contains_key(name) {
            return Err(io::Error::new(ErrorKind::AlreadyExists, name.to_owned()));
        }
        disk.files.insert(name.to_owned(), SimFile::default());
        Ok(self.file(name))
    }

    fn open(&self, name: &str) -> io::Result<SimStorageFile> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        disk.file(name)?;
        Ok(self.file(name))
    }

    fn read(&self, name: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        let max = disk.short_read.unwrap_or(usize::MAX);
        let data = &disk.file(name)?.data;
        let start = data.len().min(offset as usize);
        let end = data.len().min(start + len.min(max));
        Ok(data[start..end].to_vec())
    }

    fn truncate(&self, name: &str, len: u64) -> io::Result<()> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        let file = disk.file(name)?;
        let freed = file.data.len().saturating_sub(len as usize) as u64;
        file.data.resize(len as usize, 0);
        file.synced = file.data.len();
        file.lost = file.lost.filter(|&(start, _)| start < file.data.len());
        if let Some(space) = &mut disk.space {
            *space += freed;
        }
        Ok(())
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        let file = disk
            .files
            .remove(name)
            .ok_or_else(|| io::Error::new(ErrorKind::NotFound, name.to_owned()))?;
        if let Some(space) = &mut disk.space {
            *space += file.data.len() as u64;
        }
        Ok(())
    }

    fn lock(&self) -> io::Result<()> {
        let mut disk = self.disk.lock();
        disk.alive(self.epoch)?;
        match disk.locked_by {
            Some(id) if id != self.id => Err(io::Error::new(
                ErrorKind::WouldBlock,
                "simulated directory is locked by another storage",
            )),
            _ => {
                disk.locked_by = Some(self.id);
                Ok(())
            }
        }
    }
}

impl Drop for SimStorage {
    fn drop(&mut self) {
        let mut disk = self.disk.lock();
        if disk.locked_by == Some(self.id) {
            disk.locked_by = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_keeps_synced_bytes_and_a_torn_prefix() {
        let disk = SimDisk::new(7);
        let storage = disk.storage();
        let file = storage.create("a").unwrap();
        file.append(b"synced").unwrap();
        file.sync().unwrap();
        file.append(b"unsynced").unwrap();
        disk.crash_keeping(3);
        assert!(
            file.append(b"x").is_err(),
            "a crashed process writes nothing"
        );
        let storage = disk.storage();
        assert_eq!(storage.read("a", 0, 100).unwrap(), b"synceduns");
    }

    #[test]
    fn seeded_crashes_repeat() {
        let run = |seed| {
            let disk = SimDisk::new(seed);
            let file = disk.storage().create("a").unwrap();
            file.append(&[1; 1000]).unwrap();
            disk.crash();
            disk.files()
        };
        assert_eq!(run(42), run(42));
        assert!((0..8).map(run).any(|files| files[0].1 != 1000));
    }

    #[test]
    fn faults() {
        let disk = SimDisk::new(1);
        let storage = disk.storage();
        let file = storage.create("a").unwrap();
        disk.set_space(Some(4));
        let err = file.append(b"abcdef").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StorageFull);
        assert_eq!(
            storage.read("a", 0, 100).unwrap(),
            b"abcd",
            "a partial write"
        );
        storage.truncate("a", 0).unwrap();
        file.append(b"wxyz").unwrap();
        disk.set_space(None);
        disk.set_short_read(Some(2));
        assert_eq!(storage.read("a", 1, 100).unwrap(), b"xy");
        disk.set_short_read(None);
        disk.flip_bit("a", 0, 0);
        assert_eq!(storage.read("a", 0, 100).unwrap(), b"vxyz");
        disk.fail_syncs(true);
        assert!(file.sync().is_err());
        disk.fail_syncs(false);
        file.sync().unwrap();
        disk.crash_keeping(0);
        let storage = disk.storage();
        assert_eq!(
            storage.read("a", 0, 100).unwrap(),
            [0; 4],
            "a retried sync reported success for lost bytes"
        );
        assert!(storage.lock().is_ok());
        let other = disk.storage();
        assert_eq!(other.lock().unwrap_err().kind(), ErrorKind::WouldBlock);
        drop(storage);
        assert!(
            other.lock().is_ok(),
            "dropping the holder releases the lock"
        );
    }
}
