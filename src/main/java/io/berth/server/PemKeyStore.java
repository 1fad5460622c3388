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
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

/** Builds an in-memory key store from PEM files, as registry:2 takes them (certificate chain and key). */
final class PemKeyStore {
    static final char[] PASSWORD = "berth".toCharArray();

    private PemKeyStore() {
    }

    static KeyStore load(Path certificateFile, Path keyFile) {
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
}
