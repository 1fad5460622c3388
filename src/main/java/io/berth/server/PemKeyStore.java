package io.berth.server;

import io.berth.config.ConfigException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

/** Builds an in-memory key store from PEM files, as registry:2 takes them (certificate chain and key). */
final class PemKeyStore {
    static final char[] PASSWORD = "berth".toCharArray();

    private PemKeyStore() {
    }

    static KeyStore load(Path certificateFile, Path keyFile) {
        StartupChecks.readableFile(certificateFile, "http.tls.certificate");
        StartupChecks.readableFile(keyFile, "http.tls.key");
        try {
            List<Certificate> chain = new ArrayList<>();
            try (Reader r = Files.newBufferedReader(certificateFile); PEMParser p = new PEMParser(r)) {
                for (Object o; (o = p.readObject()) != null; ) {
                    if (o instanceof X509CertificateHolder h) {
                        chain.add(new JcaX509CertificateConverter().getCertificate(h));
                    }
                }
            }
            if (chain.isEmpty()) {
                throw new ConfigException("http.tls.certificate " + certificateFile + " holds no PEM certificate");
            }
            PrivateKey key = null;
            try (Reader r = Files.newBufferedReader(keyFile); PEMParser p = new PEMParser(r)) {
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                for (Object o; (o = p.readObject()) != null && key == null; ) {
                    if (o instanceof PEMKeyPair kp) {
                        key = converter.getKeyPair(kp).getPrivate();
                    } else if (o instanceof PrivateKeyInfo info) {
                        key = converter.getPrivateKey(info);
                    }
                }
            }
            if (key == null) {
                throw new ConfigException("http.tls.key " + keyFile + " holds no unencrypted PEM private key");
            }
            if (!belongTogether(key, chain.getFirst().getPublicKey())) {
                // Jetty would start and fail every handshake without a word; registry:2 refuses to start
                throw new ConfigException("http.tls.key (REGISTRY_HTTP_TLS_KEY) " + keyFile + " does not match http.tls.certificate "
                        + "(REGISTRY_HTTP_TLS_CERTIFICATE) " + certificateFile + ": private key does not match public key");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("berth", key, PASSWORD, chain.toArray(Certificate[]::new));
            return ks;
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("cannot load TLS certificate " + certificateFile + " and key " + keyFile + ": " + e.getMessage());
        }
    }

    /** Whether the key signs what the certificate's public key verifies (whatever the algorithm's key encoding). */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) throws java.security.GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm we cannot test here: the handshake will tell
        }
        if (!key.getAlgorithm().equals(certified.getAlgorithm()) && !(algorithm.startsWith("Ed") && certified.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        byte[] probe = new byte[32];
        new java.security.SecureRandom().nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certified);
        verifier.update(probe);
        return verifier.verify(signature);
    }
}
